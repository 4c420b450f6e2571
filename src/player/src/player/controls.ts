// The control bar: play/pause, seek bar, volume, time, PeerTube link, stats, settings, fullscreen.
// Plain <button>s and <input type=range>: keyboard and screen readers work without extra code.
import { bufferedEnd, formatTime, h } from './dom'
import { icons } from './icons'
import { fullscreenAvailable, isFullscreen, toggleFullscreen } from './fullscreen'
import type { PlayerCore } from './core'

export function buildControlBar (core: PlayerCore, extra: { stats: HTMLButtonElement, settings: HTMLButtonElement }): HTMLElement {
  const { video, root, config } = core

  // --- play / pause -------------------------------------------------------------------------
  const play = h('button', { type: 'button', class: 'pt-button', 'data-pt': 'play', 'aria-label': 'Play' })
  const renderPlay = (): void => {
    const label = video.ended ? 'Replay' : video.paused ? 'Play' : 'Pause'
    play.setAttribute('aria-label', label)
    play.innerHTML = video.ended ? icons.replay : video.paused ? icons.play : icons.pause
  }
  play.addEventListener('click', () => core.togglePlay())
  for (const ev of ['play', 'pause', 'ended', 'playing']) video.addEventListener(ev, renderPlay)
  renderPlay()

  // --- seek bar --------------------------------------------------------------------------
  const seek = h('input', {
    type: 'range', class: 'pt-seek', min: 0, max: 1000, step: 'any', value: 0,
    'aria-label': 'Seek', 'data-pt': 'seek'
  })
  const progress = h('div', { class: 'pt-progress' }, seek)
  let dragging = false
  const renderProgress = (): void => {
    const duration = core.duration()
    const played = duration > 0 ? Math.min(1, video.currentTime / duration) : 0
    const buffered = duration > 0 ? Math.min(1, bufferedEnd(video) / duration) : 0
    // The played / buffered parts are drawn by CSS from these two variables.
    progress.style.setProperty('--pt-played', `${(played * 100).toFixed(2)}%`)
    progress.style.setProperty('--pt-buffered', `${(buffered * 100).toFixed(2)}%`)
    if (!dragging) seek.value = String(played * 1000)
    seek.setAttribute('aria-valuetext', `${formatTime(video.currentTime)} of ${formatTime(duration)}`)
  }
  seek.addEventListener('pointerdown', () => { dragging = true })
  seek.addEventListener('pointerup', () => { dragging = false })
  seek.addEventListener('input', () => {
    core.seek((Number(seek.value) / 1000) * core.duration())
    renderProgress()
  })
  seek.addEventListener('change', () => { dragging = false })
  for (const ev of ['timeupdate', 'progress', 'durationchange', 'seeking', 'loadedmetadata']) video.addEventListener(ev, renderProgress)

  // --- volume ----------------------------------------------------------------------------
  const mute = h('button', { type: 'button', class: 'pt-button', 'data-pt': 'mute', 'aria-label': 'Mute' })
  const volume = h('input', {
    type: 'range', class: 'pt-volume', min: 0, max: 1, step: 0.05, value: 1, 'aria-label': 'Volume', 'data-pt': 'volume'
  })
  const renderVolume = (): void => {
    const silent = video.muted || video.volume === 0
    mute.setAttribute('aria-label', silent ? 'Unmute' : 'Mute')
    mute.innerHTML = silent ? icons.muted : video.volume < 0.5 ? icons.volumeLow : icons.volume
    volume.value = String(video.muted ? 0 : video.volume)
    volume.style.setProperty('--pt-volume', `${(video.muted ? 0 : video.volume) * 100}%`)
  }
  mute.addEventListener('click', () => {
    // Unmuting at volume 0 would stay silent: bring the volume back too.
    if (video.muted || video.volume === 0) {
      video.muted = false
      if (video.volume === 0) video.volume = 0.5
    } else {
      video.muted = true
    }
  })
  volume.addEventListener('input', () => {
    video.volume = Number(volume.value)
    video.muted = video.volume === 0
  })
  video.addEventListener('volumechange', renderVolume)
  renderVolume()

  // --- time ------------------------------------------------------------------------------
  const time = h('span', { class: 'pt-time', 'aria-live': 'off' })
  const renderTime = (): void => {
    time.textContent = `${formatTime(video.currentTime)} / ${formatTime(core.duration())}`
  }
  for (const ev of ['timeupdate', 'durationchange', 'seeking', 'loadedmetadata']) video.addEventListener(ev, renderTime)
  renderTime()

  // --- fullscreen ------------------------------------------------------------------------
  const fullscreen = h('button', { type: 'button', class: 'pt-button', 'data-pt': 'fullscreen', 'aria-label': 'Fullscreen' })
  const renderFullscreen = (): void => {
    const on = isFullscreen(root)
    root.classList.toggle('pt-fullscreen', on)
    fullscreen.setAttribute('aria-label', on ? 'Exit fullscreen' : 'Fullscreen')
    fullscreen.innerHTML = on ? icons.exitFullscreen : icons.fullscreen
  }
  fullscreen.addEventListener('click', () => toggleFullscreen(root, video))
  document.addEventListener('fullscreenchange', renderFullscreen)
  renderFullscreen()
  if (!fullscreenAvailable(root, video)) fullscreen.disabled = true

  // --- PeerTube link (embeds only: a way back to the full page) ---------------------------
  const link = config.embed && config.options.peertubeLink && config.watchUrl
    ? h('a', { class: 'pt-peertube-link', href: config.watchUrl, target: '_blank', rel: 'noopener', title: 'Watch on PeerTube' }, 'PeerTube')
    : null

  // Shown only while #pt-player[data-pt-live=true] (player.css).
  const liveBadge = h('span', { class: 'pt-live-badge', 'data-pt': 'live' }, 'LIVE')
  // A live viewer who paused or stalled drifts behind; this takes them back to the live edge (their latency mode's
  // distance to it). Shown while more than one segment further behind than that ([data-pt-behind-live=true]).
  const backToLive = h('button', { type: 'button', class: 'pt-button pt-back-to-live', 'data-pt': 'back-to-live', 'aria-label': 'Back to live' }, 'Back to live')
  backToLive.addEventListener('click', () => core.goLive())
  const renderBehind = (): void => {
    const behind = core.behindLive()
    if ((root.dataset.ptBehindLive === 'true') !== behind) root.dataset.ptBehindLive = behind ? 'true' : 'false'
  }
  for (const ev of ['timeupdate', 'pause', 'play', 'waiting']) video.addEventListener(ev, renderBehind)
  window.setInterval(renderBehind, 1000)
  // "N viewers" on a live, written by live-viewers.ts from the hub's pushes (shown once a count came: [data-pt-viewers]).
  const viewers = h('span', { class: 'pt-viewers', 'data-pt': 'viewers', 'aria-live': 'polite' })
  const left = h('div', { class: 'pt-bar-group' }, play, h('div', { class: 'pt-volume-group' }, mute, volume), time, liveBadge, viewers, backToLive)
  const right = h('div', { class: 'pt-bar-group' }, ...(link ? [link] : []), extra.stats, extra.settings, fullscreen)
  return h('div', { class: 'pt-controls', role: 'group', 'aria-label': 'Video controls' },
    progress, h('div', { class: 'pt-bar' }, left, right))
}
