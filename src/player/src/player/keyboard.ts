// YouTube-style shortcuts: space/k play-pause, f fullscreen, m mute, ←/→ ±5 s, ↑/↓ volume,
// 0-9 jump to 0-90 %. On the watch page they apply while the player has focus (so the page's
// own space-to-scroll keeps working); in an embed the player is the page, so they always apply.
import type { PlayerCore } from './core'
import { toggleFullscreen } from './fullscreen'

const SEEK_STEP = 5
const VOLUME_STEP = 0.1

/** Keys that the focused control already handles itself (a button's space, a slider's arrows). */
function handledNatively (e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null
  if (!t) return false
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true
  if (t instanceof HTMLInputElement) {
    if (t.type !== 'range') return true
    return e.key.startsWith('Arrow') || e.key === 'Home' || e.key === 'End' || e.key === 'PageUp' || e.key === 'PageDown'
  }
  if (t instanceof HTMLButtonElement || t instanceof HTMLAnchorElement) return e.key === ' ' || e.key === 'Enter'
  return false
}

export function bindKeyboard (core: PlayerCore, target: HTMLElement | Document): void {
  const { video, root } = core
  target.addEventListener('keydown', event => {
    const e = event as KeyboardEvent
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || handledNatively(e)) return
    if (!core.published || core.errorMessage !== null) return

    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key
    switch (key) {
      case ' ':
      case 'k':
        core.togglePlay()
        break
      case 'f':
        toggleFullscreen(root, video)
        break
      case 'm':
        video.muted = !video.muted
        break
      case 'ArrowLeft':
        core.seek(video.currentTime - SEEK_STEP)
        break
      case 'ArrowRight':
        core.seek(video.currentTime + SEEK_STEP)
        break
      case 'ArrowUp':
        video.muted = false
        video.volume = Math.min(1, video.volume + VOLUME_STEP)
        break
      case 'ArrowDown':
        video.volume = Math.max(0, video.volume - VOLUME_STEP)
        break
      default:
        if (key >= '0' && key <= '9' && key.length === 1) {
          core.seek(core.duration() * Number(key) / 10)
          break
        }
        return
    }
    // Ours: don't scroll the page or type.
    e.preventDefault()
  })
}
