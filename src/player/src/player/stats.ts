// "Stats for nerds" (button[data-pt=stats] toggles .pt-stats): what a viewer or a bug report needs
// to understand a stall: rendition, buffer, bandwidth, dropped frames.
import { bufferedAhead, h } from './dom'
import { icons } from './icons'
import type { PlayerCore } from './core'

const REFRESH_MS = 500

export function buildStats (core: PlayerCore): { button: HTMLButtonElement, panel: HTMLElement } {
  const { video } = core
  const button = h('button', { type: 'button', class: 'pt-button', 'data-pt': 'stats', 'aria-label': 'Stats for nerds', 'aria-pressed': 'false' })
  button.innerHTML = icons.stats

  const values = new Map<string, HTMLElement>()
  const row = (key: string, label: string): HTMLElement => {
    const value = h('span', { class: 'pt-stats-value' }, '…')
    values.set(key, value)
    return h('div', { class: 'pt-stats-row', 'data-pt-stat': key }, h('span', { class: 'pt-stats-label' }, label), value)
  }
  const panel = h('div', { class: 'pt-stats', hidden: true, role: 'status', 'aria-label': 'Stats for nerds' },
    row('resolution', 'Resolution'),
    row('buffer', 'Buffer'),
    row('bandwidth', 'Bandwidth'),
    row('dropped', 'Dropped frames'),
    row('engine', 'Player'),
    row('p2p', 'P2P'),
    row('sources', 'HTTP sources')
  )

  const set = (key: string, text: string): void => {
    const el = values.get(key)
    if (el && el.textContent !== text) el.textContent = text
  }

  const refresh = (): void => {
    const level = core.levels[core.playingLevel]
    const size = video.videoWidth > 0 ? ` (${video.videoWidth}×${video.videoHeight})` : ''
    const mode = core.engine?.name === 'hls.js' ? (core.manualLevel === -1 ? ', auto' : ', manual') : ''
    set('resolution', level ? `${level.label}${size}${mode}` : (size ? size.trim() : '—'))
    set('buffer', `${bufferedAhead(video).toFixed(1)} s`)
    const bw = core.engine?.bandwidthEstimate() ?? null
    set('bandwidth', bw === null ? '—' : `${(bw / 1e6).toFixed(2)} Mbit/s`)
    const quality = typeof video.getVideoPlaybackQuality === 'function' ? video.getVideoPlaybackQuality() : null
    set('dropped', quality ? `${quality.droppedVideoFrames} / ${quality.totalVideoFrames}` : '—')
    set('engine', core.engine?.name ?? '—')
    const p2p = core.p2p?.stats()
    if (!p2p) {
      set('p2p', 'off')
    } else {
      const total = p2p.httpBytes + p2p.p2pBytes
      const share = total > 0 ? ` (${Math.round(100 * p2p.p2pBytes / total)}%)` : ''
      set('p2p', `${formatBytes(p2p.p2pBytes)} from peers${share}, ${formatBytes(p2p.httpBytes)} HTTP, ` +
        `${formatBytes(p2p.uploadedBytes)} sent, ${p2p.peers} peer${p2p.peers === 1 ? '' : 's'}` +
        (core.p2p?.uploadEnabled === false ? ', not sharing' : ''))
    }
    const sources = core.engine?.sources() ?? []
    set('sources', sources.length === 0 ? 'origin only' : sources.map(s =>
      `${new URL(s.base).host}: ${formatBytes(s.bytes)}${s.down ? ' (down)' : ''}`).join(', '))
  }

  let timer: number | undefined
  const toggle = (): void => {
    panel.hidden = !panel.hidden
    button.setAttribute('aria-pressed', String(!panel.hidden))
    window.clearInterval(timer)
    if (!panel.hidden) {
      refresh()
      timer = window.setInterval(refresh, REFRESH_MS)
    }
  }
  button.addEventListener('click', toggle)
  return { button, panel }
}

function formatBytes (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
