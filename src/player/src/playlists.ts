// Playlists in the pages (loaded by pages.ts): the playlist watch page goes on to the next item when one ends,
// "My playlists" creates, edits and orders lists, and the watch page's "Save" menu puts a video in a list.
import { apiFetch, problemMessage } from './session'

function show (element: HTMLElement | null, message: string | null): void {
  if (!element) return
  element.textContent = message ?? ''
  element.hidden = message === null
}

const OFFLINE = 'The server cannot be reached. Check your connection and try again.'

/** On /w/p/…: media events do not bubble, but a capturing listener on the document hears the player's 'ended'. */
function initPlaylistAutoplay (): void {
  const page = document.querySelector<HTMLElement>('[data-playlist-next]')
  const next = page?.dataset.playlistNext
  if (!page || !next) return
  document.addEventListener('ended', event => {
    if (event.target instanceof HTMLVideoElement && page.contains(event.target)) window.location.assign(next)
  }, true)
}

async function send (error: HTMLElement | null, url: string, method: string, body?: unknown): Promise<boolean> {
  show(error, null)
  try {
    const response = await apiFetch(url, body === undefined
      ? { method }
      : { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    if (response.ok) return true
    show(error, await problemMessage(response))
  } catch {
    show(error, OFFLINE)
  }
  return false
}

/** /my-library/video-playlists: each action is an API call, then the page shows the result. */
function initMyPlaylists (): void {
  const error = document.getElementById('playlists-error')
  const form = document.getElementById('playlist-create-form') as HTMLFormElement | null
  if (!error || !form) return

  form.addEventListener('submit', event => {
    event.preventDefault()
    const data = new FormData(form)
    const channel = String(data.get('videoChannelId') ?? '')
    const body: Record<string, unknown> = {
      displayName: String(data.get('displayName') ?? '').trim(),
      privacy: Number(data.get('privacy'))
    }
    if (channel !== '') body.videoChannelId = Number(channel)
    void send(error, '/api/v1/video-playlists', 'POST', body).then(ok => { if (ok) window.location.reload() })
  })

  document.addEventListener('click', event => {
    const target = event.target as Element | null
    const rename = target?.closest<HTMLButtonElement>('button[data-playlist-rename]')
    if (rename) {
      const name = window.prompt('New name', rename.dataset.name ?? '')
      if (name === null || name.trim() === '') return
      void send(error, `/api/v1/video-playlists/${rename.dataset.playlistRename ?? ''}`, 'PUT', { displayName: name.trim() })
        .then(ok => { if (ok) window.location.reload() })
      return
    }
    const button = target?.closest<HTMLButtonElement>('.my-playlists button[data-api-url]')
    const url = button?.dataset.apiUrl
    const method = button?.dataset.apiMethod
    if (!button || !url || !method) return
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return
    button.disabled = true
    const body = button.dataset.apiBody ? JSON.parse(button.dataset.apiBody) as unknown : undefined
    void send(error, url, method, body).then(ok => {
      if (ok) window.location.reload()
      else button.disabled = false
    })
  })

  document.addEventListener('change', event => {
    const select = (event.target as Element | null)?.closest<HTMLSelectElement>('select[data-playlist-privacy]')
    if (!select) return
    void send(error, `/api/v1/video-playlists/${select.dataset.playlistPrivacy ?? ''}`, 'PUT', { privacy: Number(select.value) })
      .then(ok => { if (ok) window.location.reload() })
  })
}

interface PlaylistSummary { id: number, displayName: string }
interface ExistEntry { playlistElementId: number, playlistId: number }

/** The watch page's "Save" menu: filled when first opened, one checkbox per list of the viewer. */
function initSaveToPlaylist (): void {
  const menu = document.getElementById('save-to-playlist') as HTMLDetailsElement | null
  const videoId = menu?.dataset.videoId
  const lists = menu?.querySelector<HTMLElement>('.save-to-playlist-lists')
  if (!menu || !videoId || !lists) return
  let loaded = false

  menu.addEventListener('toggle', () => {
    if (!menu.open || loaded) return
    loaded = true
    void (async () => {
      try {
        const me = await (await apiFetch('/api/v1/users/me')).json() as { account?: { name?: string }, username?: string }
        const name = me.account?.name ?? me.username ?? ''
        const mine = await (await apiFetch(`/api/v1/accounts/${encodeURIComponent(name)}/video-playlists?count=100`)).json() as { data: PlaylistSummary[] }
        const exist = await (await apiFetch(`/api/v1/users/me/video-playlists/videos-exist?videoIds=${videoId}`)).json() as Record<string, ExistEntry[]>
        const where = new Map((exist[videoId] ?? []).map(e => [e.playlistId, e.playlistElementId]))
        lists.replaceChildren(...mine.data.map(playlist => {
          const box = document.createElement('input')
          box.type = 'checkbox'
          box.checked = where.has(playlist.id)
          box.dataset.playlistId = String(playlist.id)
          box.addEventListener('change', () => {
            box.disabled = true
            const elementId = where.get(playlist.id)
            const done = box.checked
              ? apiFetch(`/api/v1/video-playlists/${playlist.id}/videos`, {
                method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ videoId: Number(videoId) })
              }).then(async r => {
                if (r.ok) where.set(playlist.id, ((await r.json()) as { videoPlaylistElement: { id: number } }).videoPlaylistElement.id)
                return r.ok
              })
              : apiFetch(`/api/v1/video-playlists/${playlist.id}/videos/${elementId ?? 0}`, { method: 'DELETE' }).then(r => {
                if (r.ok) where.delete(playlist.id)
                return r.ok
              })
            void done.catch(() => false).then(ok => {
              if (!ok) box.checked = !box.checked
              box.disabled = false
            })
          })
          const label = document.createElement('label')
          label.append(box, ' ', playlist.displayName)
          return label
        }))
      } catch {
        lists.textContent = OFFLINE
        loaded = false
      }
    })()
  })
}

export function initPlaylists (): void {
  initPlaylistAutoplay()
  initMyPlaylists()
  initSaveToPlaylist()
}
