// A live's viewer count, as PeerTube's player shows it: while playing, the page says it is watching (POST
// /api/v1/videos/{uuid}/views with this page's sessionId, every HEARTBEAT_MS; the server counts a viewer for
// Viewers:LifetimeSeconds after its last heartbeat), and the hub at /hubs/live pushes the count whenever it changes
// (client method "viewers", PeerTube's socket.io "views-change"). Shown by controls.ts as "N viewers" on a live.
import { HubConnectionBuilder, LogLevel } from '@microsoft/signalr'
import { withFileToken } from './config'
import type { PlayerCore } from './core'

/** Well within the server's lifetime (PeerTube's 2 min), so that a viewer never drops out between two heartbeats. */
const HEARTBEAT_MS = 30_000

/** One id per page: two tabs behind one address are two viewers. */
export const viewerSessionId: string = Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('')

interface ViewersUpdate { videoId: number, uuid: string, viewers: number }

export function trackLiveViewers (core: PlayerCore): void {
  const { video, root, config } = core
  const label = root.querySelector<HTMLElement>('[data-pt=viewers]')
  const render = (update: ViewersUpdate): void => {
    if (update.uuid !== config.uuid) return
    root.dataset.ptViewers = String(update.viewers)
    if (label) label.textContent = `${update.viewers} ${update.viewers === 1 ? 'viewer' : 'viewers'}`
  }

  // --- heartbeats -------------------------------------------------------------------------
  const viewsUrl = config.viewsUrl
  if (viewsUrl) {
    let last = 0
    const beat = (): void => {
      if (video.paused) return
      last = Date.now()
      fetch(viewsUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ currentTime: Math.floor(video.currentTime), sessionId: viewerSessionId })
      }).catch(() => { /* the next heartbeat tries again */ })
    }
    // At once when playback (re)starts, then on the interval.
    video.addEventListener('playing', () => { if (Date.now() - last > HEARTBEAT_MS / 2) beat() })
    window.setInterval(beat, HEARTBEAT_MS)
    if (!video.paused) beat()
  }

  // --- pushed count -----------------------------------------------------------------------
  const hub = new HubConnectionBuilder()
    .withUrl(withFileToken(new URL('/hubs/live', window.location.href).toString(), config.videoFileToken))
    .withAutomaticReconnect()
    // The count is a nicety: an unreachable hub must not fill the console.
    .configureLogging(LogLevel.None)
    .build()
  hub.on('viewers', render)
  const subscribe = (): void => {
    hub.invoke<ViewersUpdate>('Subscribe', config.uuid).then(render, () => { /* not allowed or gone: no count shown */ })
  }
  hub.onreconnected(subscribe)
  hub.start().then(subscribe, () => { /* no hub, no count */ })
}
