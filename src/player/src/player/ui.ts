// Builds the player inside #pt-player: <video>, overlays (title, spinner, big play button,
// messages), the control bar, the settings menu and the stats panel, and keeps the root's state
// classes (pt-unstarted, pt-playing/pt-paused, pt-waiting, pt-user-active...) for the CSS.
import { PUBLISHED_STATE, stateMessage, type PlayerConfig } from './config'
import { PlayerCore } from './core'
import { buildControlBar } from './controls'
import { h } from './dom'
import { icons } from './icons'
import { bindKeyboard } from './keyboard'
import { buildSettings } from './settings'
import { buildStats } from './stats'
import { toggleFullscreen } from './fullscreen'

const IDLE_HIDE_MS = 2500

export function mountPlayer (root: HTMLElement, config: PlayerConfig): PlayerCore {
  const { options } = config
  root.replaceChildren()
  root.classList.add('pt-player', 'pt-unstarted', 'pt-paused')
  root.classList.toggle('pt-embed', config.embed)
  root.classList.toggle('pt-no-controls', !options.controls)
  root.tabIndex = 0
  root.setAttribute('role', 'region')
  root.setAttribute('aria-label', config.name ? `Video player: ${config.name}` : 'Video player')

  // No controls attribute: ours replace the browser's.
  const video = h('video', { class: 'pt-video', preload: 'metadata', playsinline: true })
  const core = new PlayerCore(root, video, config)
  root.append(video)

  if (config.embed && options.title && config.name) {
    // PeerTube's warningTitle: with P2P on, say that other viewers see this viewer's IP address.
    const p2pOn = options.p2p && config.p2p?.enabled === true
    root.append(h('div', { class: 'pt-title' },
      h('a', { href: config.watchUrl || '#', target: '_blank', rel: 'noopener' }, config.name),
      ...(p2pOn && options.warningTitle
        ? [h('div', { class: 'pt-title-warning' }, 'Watching this video may reveal your IP address to others.')]
        : [])))
  }

  if (config.state !== PUBLISHED_STATE) {
    // Nothing to load: say why instead of a black box (the poster stays as a background).
    const { text, failed } = stateMessage(config.state)
    root.classList.add('pt-unavailable')
    root.append(h('div', { class: failed ? 'pt-message pt-error' : 'pt-message', role: 'status', 'data-state': config.state }, text))
    core.start()
    return core
  }

  const spinner = h('div', { class: 'pt-spinner', 'aria-hidden': 'true' })
  const bigPlay = h('button', { type: 'button', class: 'pt-big-play', 'data-pt': 'big-play', 'aria-label': 'Play' })
  bigPlay.innerHTML = icons.bigPlay
  bigPlay.addEventListener('click', () => { void core.play() })

  const settings = buildSettings(core)
  const stats = buildStats(core)
  const controls = buildControlBar(core, { stats: stats.button, settings: settings.button })
  root.append(spinner, bigPlay, stats.panel, settings.menu, controls)

  trackPlaybackState(core)
  autoHideControls(core, () => settings.isOpen())

  video.addEventListener('click', () => { settings.close(); core.togglePlay() })
  video.addEventListener('dblclick', () => toggleFullscreen(root, video))
  bindKeyboard(core, config.embed ? document : root)

  core.events.on('playBlocked', () => root.classList.add('pt-play-blocked'))
  core.events.on('error', message => {
    root.classList.add('pt-has-error')
    root.querySelector('.pt-error')?.remove()
    root.append(h('div', { class: 'pt-error', role: 'alert' }, message))
  })

  core.start()
  return core
}

/** Root classes from the media events: the CSS shows the spinner, big button and controls from them. */
function trackPlaybackState (core: PlayerCore): void {
  const { root, video } = core
  const set = (cls: string, on: boolean): void => { root.classList.toggle(cls, on) }
  const renderPlaying = (): void => {
    set('pt-playing', !video.paused)
    set('pt-paused', video.paused)
    set('pt-ended', video.ended)
  }
  video.addEventListener('play', () => {
    set('pt-unstarted', false)
    set('pt-play-blocked', false)
    renderPlaying()
  })
  video.addEventListener('pause', renderPlaying)
  video.addEventListener('ended', renderPlaying)
  video.addEventListener('playing', renderPlaying)

  // The spinner: while the browser waits for data, or seeks, but not while paused at rest.
  video.addEventListener('waiting', () => set('pt-waiting', true))
  video.addEventListener('seeking', () => set('pt-waiting', true))
  const doneWaiting = (): void => { if (video.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA || video.paused) set('pt-waiting', false) }
  for (const ev of ['playing', 'canplay', 'seeked', 'pause', 'ended']) video.addEventListener(ev, doneWaiting)
  core.events.on('error', () => set('pt-waiting', false))
}

/** Controls fade out after a moment without pointer or keyboard activity while playing. */
function autoHideControls (core: PlayerCore, menuOpen: () => boolean): void {
  const { root } = core
  let timer: number | undefined
  const activity = (): void => {
    root.classList.add('pt-user-active')
    window.clearTimeout(timer)
    timer = window.setTimeout(() => {
      if (menuOpen()) return activity()
      root.classList.remove('pt-user-active')
    }, IDLE_HIDE_MS)
  }
  for (const ev of ['pointermove', 'pointerdown', 'keydown', 'focusin']) root.addEventListener(ev, activity)
  root.addEventListener('pointerleave', () => {
    window.clearTimeout(timer)
    if (!menuOpen()) root.classList.remove('pt-user-active')
  })
}
