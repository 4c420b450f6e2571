// "Continue where you left off": the position is kept per video in localStorage.
// Not kept for the first and last seconds, where resuming would only be surprising.

const KEY_PREFIX = 'pt-resume:'
const MIN_POSITION = 5
const END_MARGIN = 5

function storage (): Storage | null {
  // Throws in sandboxed iframes and some privacy modes: then there is simply no resume.
  try { return window.localStorage } catch { return null }
}

export function loadResumePosition (uuid: string, duration: number): number | null {
  const raw = storage()?.getItem(KEY_PREFIX + uuid)
  const position = raw ? Number(raw) : NaN
  if (!Number.isFinite(position) || position < MIN_POSITION) return null
  if (duration > 0 && position > duration - END_MARGIN) return null
  return position
}

export function saveResumePosition (uuid: string, position: number): void {
  try {
    if (position < MIN_POSITION) storage()?.removeItem(KEY_PREFIX + uuid)
    else storage()?.setItem(KEY_PREFIX + uuid, position.toFixed(1))
  } catch { /* quota exceeded: not worth bothering the viewer */ }
}

export function clearResumePosition (uuid: string): void {
  try { storage()?.removeItem(KEY_PREFIX + uuid) } catch { /* see above */ }
}

/** Saves while playing (every few seconds and on pause), clears at the end. */
export function trackResumePosition (video: HTMLVideoElement, uuid: string): void {
  let lastSaved = 0
  video.addEventListener('timeupdate', () => {
    if (video.seeking || Math.abs(video.currentTime - lastSaved) < 5) return
    lastSaved = video.currentTime
    saveResumePosition(uuid, video.currentTime)
  })
  video.addEventListener('pause', () => {
    if (!video.ended) saveResumePosition(uuid, video.currentTime)
  })
  video.addEventListener('ended', () => clearResumePosition(uuid))
}
