// The upload page (/videos/upload, see docs/web-contract.md): sends the file with PeerTube's resumable upload
// protocol, then follows the transcoding over SignalR (/hubs/videos) until the video is published or has failed.
import { HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr'
import { apiFetch, getAccessToken } from './session'

const CHUNK_SIZE = 8 * 1024 * 1024
const MAX_TRIES = 10
const POLL_INTERVAL_MS = 2000

interface IdLabel {
  id: number
  label: string
}

/** What the hub's client method `transcoding` receives. */
interface TranscodingUpdate {
  uuid: string
  state: IdLabel
  progress: number | null
  error: string | null
}

interface CreatedVideo {
  id: number
  uuid: string
  shortUUID: string
}

/** A failure to show the user as it is: the server's own words, or ours. */
class UploadError extends Error {}

/** A failure worth trying again: the network, or the server having a bad moment (5xx). */
class TransientError extends Error {}

const VideoState = { Published: 1, ToTranscode: 2, TranscodingFailed: 7 } as const

/** PeerTube's VideoPrivacy.PASSWORD_PROTECTED: the upload then carries the video's password. */
const PASSWORD_PROTECTED = 5

interface Elements {
  form: HTMLFormElement
  file: HTMLInputElement
  name: HTMLInputElement
  channel: HTMLSelectElement
  privacy: HTMLSelectElement
  description: HTMLTextAreaElement | null
  tags: HTMLInputElement | null
  error: HTMLElement
  uploadProgress: HTMLProgressElement
  transcodingProgress: HTMLProgressElement
  watchLink: HTMLAnchorElement
}

function findElements(): Elements | null {
  const byId = <T extends HTMLElement>(id: string): T | null => document.getElementById(id) as T | null
  const form = byId<HTMLFormElement>('upload-form')
  const file = byId<HTMLInputElement>('upload-file')
  const name = byId<HTMLInputElement>('upload-name')
  const channel = byId<HTMLSelectElement>('upload-channel')
  const privacy = byId<HTMLSelectElement>('upload-privacy')
  const error = byId<HTMLElement>('upload-error')
  const uploadProgress = byId<HTMLProgressElement>('upload-progress')
  const transcodingProgress = byId<HTMLProgressElement>('transcoding-progress')
  const watchLink = byId<HTMLAnchorElement>('watch-link')
  if (!form || !file || !name || !channel || !privacy || !error || !uploadProgress || !transcodingProgress || !watchLink) {
    return null
  }

  return {
    form, file, name, channel, privacy, error, uploadProgress, transcodingProgress, watchLink,
    description: byId<HTMLTextAreaElement>('upload-description'),
    tags: byId<HTMLInputElement>('upload-tags')
  }
}

function showError (ui: Elements, message: string | null): void {
  ui.error.textContent = message ?? ''
  ui.error.hidden = message === null
}

/** Disables every control; the returned function restores each one as it was (the page may disable some itself). */
function disableForm (ui: Elements): () => void {
  const controls = Array.from(ui.form.elements) as HTMLInputElement[]
  const before = controls.map(c => c.disabled)
  for (const control of controls) control.disabled = true
  return () => controls.forEach((control, i) => { control.disabled = before[i] })
}

function delay (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** 0.5 s, 1 s, 2 s … up to 30 s between tries. */
function backoff (attempt: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1))
}

/** PeerTube's error body: `detail` (or the older `error`), and per-field messages in `invalid-params`. */
function problemMessage (status: number, bodyText: string): string {
  try {
    const body = JSON.parse(bodyText) as {
      detail?: string
      error?: string
      'invalid-params'?: Record<string, { msg?: string }>
    }
    const fields = Object.values(body['invalid-params'] ?? {}).map(p => p.msg).filter((m): m is string => !!m)
    if (fields.length > 0) return fields.join(' ')
    if (body.detail) return body.detail
    if (body.error) return body.error
  } catch {
    // Not JSON: fall through to the status.
  }

  return `The server answered ${status}.`
}

/** "bytes=0-N" → N + 1 bytes the server holds; no header → none. */
function receivedFromRange (range: string | null): number {
  const match = range ? /bytes=0-(\d+)/.exec(range) : null
  return match ? Number(match[1]) + 1 : 0
}

/** The Location the server gives is absolute (its public URL); we talk to the origin that served this page. */
function sameOriginPath (location: string): string {
  const url = new URL(location, window.location.href)
  return url.pathname + url.search
}

async function startSession (ui: Elements, file: File): Promise<string> {
  const tags = (ui.tags?.value ?? '').split(',').map(t => t.trim()).filter(t => t.length > 0)
  const name = ui.name.value.trim() || file.name.replace(/\.[^.]+$/, '')
  const metadata: Record<string, unknown> = {
    name,
    channelId: Number(ui.channel.value),
    privacy: Number(ui.privacy.value),
    filename: file.name
  }
  const description = ui.description?.value.trim()
  if (description) metadata.description = description
  if (tags.length > 0) metadata.tags = tags
  const password = document.querySelector<HTMLInputElement>('#upload-video-password')?.value ?? ''
  if (metadata.privacy === PASSWORD_PROTECTED && password) metadata.videoPasswords = [password]

  let response: Response
  try {
    response = await apiFetch('/api/v1/videos/upload-resumable', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Upload-Content-Length': String(file.size),
        'X-Upload-Content-Type': file.type || 'application/octet-stream'
      },
      body: JSON.stringify(metadata)
    })
  } catch {
    throw new UploadError('The server cannot be reached. Check your connection and try again.')
  }

  const location = response.headers.get('Location')
  if (response.status !== 201 || !location) {
    throw new UploadError(problemMessage(response.status, await response.text()))
  }

  return sameOriginPath(location)
}

type ChunkResult =
  | { kind: 'incomplete', received: number }
  | { kind: 'done', video: CreatedVideo }

/** One PUT of bytes [start, end) with XMLHttpRequest, whose upload progress events fetch does not have. */
async function putChunk (url: string, file: File, start: number, end: number, onProgress: (sent: number) => void): Promise<ChunkResult> {
  const token = await getAccessToken()
  return new Promise<ChunkResult>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', url)
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.setRequestHeader('Content-Type', 'application/octet-stream')
    xhr.setRequestHeader('Content-Range', `bytes ${start}-${end - 1}/${file.size}`)
    xhr.upload.onprogress = event => onProgress(event.loaded)
    xhr.onerror = () => reject(new TransientError('The connection was lost.'))
    xhr.ontimeout = () => reject(new TransientError('The server took too long to answer.'))
    xhr.onload = () => {
      const status = xhr.status
      if (status === 200 || status === 201) {
        try {
          resolve({ kind: 'done', video: (JSON.parse(xhr.responseText) as { video: CreatedVideo }).video })
        } catch {
          reject(new UploadError('The server accepted the upload but its answer cannot be read.'))
        }
      } else if (status === 308) {
        resolve({ kind: 'incomplete', received: receivedFromRange(xhr.getResponseHeader('Range')) })
      } else if (status === 409) {
        // Not where the server is (an earlier try got further than we knew): it says where to go on.
        reject(new TransientError(problemMessage(status, xhr.responseText)))
      } else if (status === 0 || status >= 500) {
        reject(new TransientError(problemMessage(status, xhr.responseText)))
      } else {
        reject(new UploadError(problemMessage(status, xhr.responseText)))
      }
    }
    xhr.send(file.slice(start, end))
  })
}

/** PeerTube's "where are we?": an empty PUT with `bytes *\/size` is answered 308 with the Range held. */
async function askReceived (url: string, size: number): Promise<number> {
  let response: Response
  try {
    response = await apiFetch(url, { method: 'PUT', headers: { 'Content-Range': `bytes */${size}` }, body: new Blob([]) })
  } catch {
    throw new TransientError('The connection was lost.')
  }

  if (response.status === 308) return receivedFromRange(response.headers.get('Range'))
  if (response.status >= 500) throw new TransientError(problemMessage(response.status, await response.text()))
  throw new UploadError(problemMessage(response.status, await response.text()))
}

/** Sends the file chunk by chunk; after a failure, asks the server what it holds and goes on from there. */
async function sendFile (ui: Elements, url: string, file: File): Promise<CreatedVideo> {
  const size = file.size
  let offset = 0
  let failures = 0
  const show = (bytes: number): void => {
    ui.uploadProgress.value = size === 0 ? 100 : Math.min(100, (bytes / size) * 100)
  }

  while (true) {
    try {
      if (offset >= size) {
        // The server holds every byte but never said it made the video: nothing is left to send that would.
        throw new UploadError('The upload was received but not completed by the server. Please upload the video again.')
      }

      const end = Math.min(size, offset + CHUNK_SIZE)
      const result = await putChunk(url, file, offset, end, sent => show(offset + sent))
      failures = 0
      if (result.kind === 'done') {
        show(size)
        return result.video
      }

      offset = result.received
      show(offset)
    } catch (e) {
      if (!(e instanceof TransientError)) throw e
      failures++
      if (failures >= MAX_TRIES) {
        throw new UploadError(`The upload failed after ${MAX_TRIES} tries: ${e.message}`)
      }

      await delay(backoff(failures))
      try {
        offset = await askReceived(url, size)
        show(offset)
      } catch (query) {
        if (!(query instanceof TransientError)) throw query
        // The server is still away: the next turn tries the chunk again from where we were, then asks again.
      }
    }
  }
}

/** Shows one transcoding update; true once the video has reached an end (published or failed). */
function render (ui: Elements, video: CreatedVideo, update: TranscodingUpdate): boolean {
  const bar = ui.transcodingProgress
  switch (update.state.id) {
    case VideoState.Published:
      bar.value = 100
      bar.dataset.state = 'published'
      ui.watchLink.href = `/w/${video.shortUUID}`
      ui.watchLink.hidden = false
      return true
    case VideoState.TranscodingFailed:
      bar.dataset.state = 'failed'
      showError(ui, update.error ?? 'Transcoding failed.')
      return true
    default:
      if (update.progress === null) {
        if (bar.dataset.state !== 'transcoding') bar.dataset.state = 'waiting'
      } else {
        // An update may overtake the state sent on Subscribe: the bar never goes back.
        bar.value = bar.dataset.state === 'transcoding' ? Math.max(bar.value, update.progress) : update.progress
        bar.dataset.state = 'transcoding'
      }
      return false
  }
}

/**
 * Follows the video on the hub until it is published or has failed, or until `superseded` says another
 * upload took the page over. Falls back to polling the API when the hub cannot be used.
 */
async function followTranscoding (ui: Elements, video: CreatedVideo, superseded: () => boolean): Promise<void> {
  let finish: () => void = () => {}
  const finished = new Promise<void>(resolve => { finish = resolve })
  let done = false
  const isDone = (): boolean => {
    if (!done && superseded()) {
      done = true
      finish()
    }
    return done
  }
  const onUpdate = (update: TranscodingUpdate): void => {
    if (isDone() || update.uuid !== video.uuid) return
    if (render(ui, video, update)) {
      done = true
      finish()
    }
  }

  const connection: HubConnection = new HubConnectionBuilder()
    .withUrl('/hubs/videos', { accessTokenFactory: async () => (await getAccessToken()) ?? '' })
    .withAutomaticReconnect()
    .configureLogging(LogLevel.Warning)
    .build()
  connection.on('transcoding', onUpdate)
  // A new connection has no groups: subscribe again, which also sends the state reached meanwhile.
  connection.onreconnected(() => { connection.invoke('Subscribe', video.uuid).catch(() => {}) })
  connection.onclose(() => {
    if (!isDone()) void poll(video, onUpdate, isDone)
  })

  try {
    await connection.start()
    await connection.invoke('Subscribe', video.uuid)
  } catch {
    // Refused or unreachable: stopping (or having failed to start) hands over to polling.
    if (connection.state !== HubConnectionState.Disconnected) await connection.stop()
    else if (!isDone()) void poll(video, onUpdate, isDone)
  }

  await finished
  if (connection.state !== HubConnectionState.Disconnected) await connection.stop()
}

/** Without the hub, the API says the same thing, more slowly. */
async function poll (video: CreatedVideo, onUpdate: (u: TranscodingUpdate) => void, isDone: () => boolean): Promise<void> {
  while (!isDone()) {
    try {
      const response = await apiFetch(`/api/v1/videos/${video.uuid}`)
      if (response.ok) {
        const v = await response.json() as { state: IdLabel, transcodingProgress?: number | null, transcodingError?: string | null }
        onUpdate({ uuid: video.uuid, state: v.state, progress: v.transcodingProgress ?? null, error: v.transcodingError ?? null })
      }
    } catch {
      // Try again at the next turn.
    }

    if (!isDone()) await delay(POLL_INTERVAL_MS)
  }
}

/** Each submit gets a number; an older upload's transcoding stops updating the page once a newer one starts. */
let uploads = 0

async function upload (ui: Elements): Promise<void> {
  const mine = ++uploads
  const file = ui.file.files?.[0]
  if (!file) {
    showError(ui, 'Choose a video file to upload.')
    return
  }

  if (!(await getAccessToken())) {
    showError(ui, 'Your session has ended. Please sign in again.')
    return
  }

  showError(ui, null)
  ui.watchLink.hidden = true
  ui.uploadProgress.value = 0
  ui.transcodingProgress.removeAttribute('value')
  ui.transcodingProgress.dataset.state = 'waiting'
  const enableForm = disableForm(ui)
  let video: CreatedVideo
  try {
    const url = await startSession(ui, file)
    video = await sendFile(ui, url, file)
  } catch (e) {
    showError(ui, e instanceof UploadError ? e.message : 'The upload failed unexpectedly.')
    return
  } finally {
    enableForm()
  }

  await followTranscoding(ui, video, () => uploads !== mine)
}

function init (): void {
  const ui = findElements()
  if (!ui) return
  ui.form.addEventListener('submit', event => {
    event.preventDefault()
    void upload(ui)
  })
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init)
} else {
  init()
}
