// Fullscreen of the whole player (so our controls stay), with the iOS fallback where only the
// <video> itself can go fullscreen (with the native controls).

interface WebkitVideo extends HTMLVideoElement {
  webkitEnterFullscreen?: () => void
  webkitSupportsFullscreen?: boolean
}

export function isFullscreen (root: HTMLElement): boolean {
  return document.fullscreenElement === root
}

export function fullscreenAvailable (root: HTMLElement, video: HTMLVideoElement): boolean {
  return (document.fullscreenEnabled && typeof root.requestFullscreen === 'function') ||
    typeof (video as WebkitVideo).webkitEnterFullscreen === 'function'
}

export function toggleFullscreen (root: HTMLElement, video: HTMLVideoElement): void {
  if (isFullscreen(root)) {
    void document.exitFullscreen().catch(() => {})
    return
  }
  if (document.fullscreenEnabled && typeof root.requestFullscreen === 'function') {
    void root.requestFullscreen().catch(() => {})
    return
  }
  (video as WebkitVideo).webkitEnterFullscreen?.()
}
