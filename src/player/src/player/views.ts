// Counts a view the way PeerTube does: once the viewer has actually watched 30 s (or reached the
// end of a shorter video), POST {currentTime, sessionId} to /api/v1/videos/{uuid}/views, once per page load.
import { viewerSessionId } from './live-viewers'

const WATCHED_SECONDS_FOR_A_VIEW = 30

export function trackView (video: HTMLVideoElement, viewsUrl: string | null): void {
  if (!viewsUrl) return
  let watched = 0
  let last: number | null = null
  let sent = false

  const send = (): void => {
    if (sent) return
    sent = true
    fetch(viewsUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ currentTime: Math.floor(video.currentTime), sessionId: viewerSessionId }),
      // The viewer may close the tab right after the end of a short video.
      keepalive: true
    }).catch(() => { /* a lost view is not worth an error on screen */ })
  }

  video.addEventListener('timeupdate', () => {
    const now = video.currentTime
    // Count only time that was played, not seeks: timeupdate fires ~4 times a second.
    if (last !== null && !video.paused && !video.seeking) {
      const delta = now - last
      if (delta > 0 && delta < 2) watched += delta
    }
    last = now
    if (watched >= WATCHED_SECONDS_FOR_A_VIEW) send()
  })
  video.addEventListener('seeking', () => { last = null })
  video.addEventListener('ended', send)
}
