// Inline SVG icons (24x24, currentColor): no icon font or image request, nothing external.

const svg = (body: string): string =>
  `<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false" fill="currentColor">${body}</svg>`

export const icons = {
  play: svg('<path d="M8 5.14v13.72a1 1 0 0 0 1.52.85l10.6-6.86a1 1 0 0 0 0-1.7L9.52 4.3A1 1 0 0 0 8 5.14z"/>'),
  pause: svg('<rect x="6" y="5" width="4" height="14" rx="1"/><rect x="14" y="5" width="4" height="14" rx="1"/>'),
  replay: svg('<path d="M12 5V2L7 6l5 4V7a6 6 0 1 1-6 6H4a8 8 0 1 0 8-8z"/>'),
  volume: svg('<path d="M4 9v6h4l5 5V4L8 9H4z"/><path d="M16 7.5a5 5 0 0 1 0 9v-2.1a3 3 0 0 0 0-4.8V7.5z"/><path d="M16 3.3a9 9 0 0 1 0 17.4v-2.1a7 7 0 0 0 0-13.2V3.3z"/>'),
  volumeLow: svg('<path d="M4 9v6h4l5 5V4L8 9H4z"/><path d="M16 7.5a5 5 0 0 1 0 9v-2.1a3 3 0 0 0 0-4.8V7.5z"/>'),
  muted: svg('<path d="M4 9v6h4l5 5V4L8 9H4z"/><path d="M16.3 9.7l1.4-1.4L20 10.6l2.3-2.3 1.4 1.4-2.3 2.3 2.3 2.3-1.4 1.4-2.3-2.3-2.3 2.3-1.4-1.4 2.3-2.3z"/>'),
  settings: svg('<path d="M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.4-2.5 1a7.6 7.6 0 0 0-1.7-1L15 3.3h-4l-.4 2.7a7.6 7.6 0 0 0-1.7 1l-2.5-1-2 3.4L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.4 2.5-1a7.6 7.6 0 0 0 1.7 1l.4 2.7h4l.4-2.7a7.6 7.6 0 0 0 1.7-1l2.5 1 2-3.4L19.4 13zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z" transform="translate(-1 0)"/>'),
  fullscreen: svg('<path d="M4 4h6v2H6v4H4V4zm10 0h6v6h-2V6h-4V4zM4 14h2v4h4v2H4v-6zm14 0h2v6h-6v-2h4v-4z"/>'),
  exitFullscreen: svg('<path d="M8 4h2v6H4V8h4V4zm6 0h2v4h4v2h-6V4zM4 14h6v6H8v-4H4v-2zm10 0h6v2h-4v4h-2v-6z"/>'),
  stats: svg('<path d="M4 20V10h3v10H4zm6.5 0V4h3v16h-3zM17 20v-7h3v7h-3z"/>'),
  bigPlay: svg('<circle cx="12" cy="12" r="11" opacity=".6" fill="#000"/><path d="M9.5 7.5v9l7-4.5z" fill="#fff"/>')
} as const
