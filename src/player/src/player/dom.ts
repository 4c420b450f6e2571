// Small DOM helpers, so the UI modules read as a description of the markup.

type Attrs = Record<string, string | number | boolean | null | undefined>

/** Creates an element; attributes with null/undefined/false are left out, true becomes "". */
export function h<K extends keyof HTMLElementTagNameMap> (
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    el.setAttribute(name, value === true ? '' : String(value))
  }
  el.append(...children)
  return el
}

/** m:ss or h:mm:ss, as PeerTube and the pages' .video-duration show it. */
export function formatTime (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0
  const s = Math.floor(seconds)
  const hours = Math.floor(s / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  const secs = String(s % 60).padStart(2, '0')
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`
}

/** Seconds of media buffered ahead of the play head (0 when the play head is not in a buffered range). */
export function bufferedAhead (video: HTMLVideoElement): number {
  const t = video.currentTime
  const b = video.buffered
  for (let i = 0; i < b.length; i++) {
    // A small tolerance: after a seek the range often starts a few ms after currentTime.
    if (b.start(i) <= t + 0.1 && t <= b.end(i)) return Math.max(0, b.end(i) - t)
  }
  return 0
}

/** End of the buffered range that holds the play head, for the progress bar. */
export function bufferedEnd (video: HTMLVideoElement): number {
  return video.currentTime + bufferedAhead(video)
}
