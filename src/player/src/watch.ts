// The watch page's social parts (docs/web-contract.md, "Watch page"): rate, subscribe, share, report, and the comment
// threads. The server draws what the viewer may see; this script acts through the API and draws again (or updates the
// counts in place).
import { apiFetch, problemMessage } from './session'

function byId<T extends HTMLElement> (id: string): T | null {
  return document.getElementById(id) as T | null
}

function show (element: HTMLElement | null | undefined, message: string | null): void {
  if (!element) return
  element.textContent = message ?? ''
  element.hidden = message === null
}

const OFFLINE = 'The server cannot be reached. Check your connection and try again.'

function json (method: string, body: unknown): RequestInit {
  return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
}

/** Draws the page again where the comments are, so the new state (and who may see what) is the server's. */
function reloadAtComments (anchor = 'comments'): void {
  const url = new URL(window.location.href)
  url.hash = anchor
  window.location.replace(url.toString())
  window.location.reload()
}

function currentTime (): number {
  const video = document.querySelector<HTMLVideoElement>('#pt-player video')
  return video ? Math.floor(video.currentTime) : 0
}

function formatTime (seconds: number): string {
  const m = Math.floor(seconds / 60)
  const s = seconds % 60
  return `${m}:${s.toString().padStart(2, '0')}`
}

// Like, dislike, subscribe

function initActions (): void {
  const root = byId('watch-actions')
  const like = byId<HTMLButtonElement>('like-button')
  const dislike = byId<HTMLButtonElement>('dislike-button')
  if (!root?.dataset.videoId || !(like instanceof HTMLButtonElement) || !(dislike instanceof HTMLButtonElement)) return
  const videoId = root.dataset.videoId
  const error = byId('watch-actions-error')
  const likes = byId('like-count')
  const dislikes = byId('dislike-count')
  let rating = root.dataset.rating ?? 'none'

  const rate = (wanted: 'like' | 'dislike'): void => {
    const next = rating === wanted ? 'none' : wanted
    like.disabled = dislike.disabled = true
    show(error, null)
    apiFetch(`/api/v1/videos/${encodeURIComponent(videoId)}/rate`, json('PUT', { rating: next }))
      .then(async response => {
        if (!response.ok) { show(error, await problemMessage(response)); return }
        const delta = (kind: string): number => (next === kind ? 1 : 0) - (rating === kind ? 1 : 0)
        if (likes) likes.textContent = String(Number(likes.textContent) + delta('like'))
        if (dislikes) dislikes.textContent = String(Number(dislikes.textContent) + delta('dislike'))
        rating = next
        like.setAttribute('aria-pressed', String(rating === 'like'))
        dislike.setAttribute('aria-pressed', String(rating === 'dislike'))
      })
      .catch(() => { show(error, OFFLINE) })
      .finally(() => { like.disabled = dislike.disabled = false })
  }
  like.addEventListener('click', () => { rate('like') })
  dislike.addEventListener('click', () => { rate('dislike') })

  const subscribe = byId<HTMLButtonElement>('subscribe-button')
  const handle = root.dataset.channelHandle
  if (subscribe instanceof HTMLButtonElement && handle) {
    subscribe.addEventListener('click', () => {
      const subscribed = subscribe.getAttribute('aria-pressed') === 'true'
      subscribe.disabled = true
      show(error, null)
      const request = subscribed
        ? apiFetch(`/api/v1/users/me/subscriptions/${encodeURIComponent(handle)}`, { method: 'DELETE' })
        : apiFetch('/api/v1/users/me/subscriptions', json('POST', { uri: handle }))
      request
        .then(async response => {
          if (!response.ok) { show(error, await problemMessage(response)); return }
          subscribe.setAttribute('aria-pressed', String(!subscribed))
          subscribe.textContent = subscribed ? 'Subscribe' : 'Subscribed'
          subscribe.classList.toggle('button-primary', subscribed)
        })
        .catch(() => { show(error, OFFLINE) })
        .finally(() => { subscribe.disabled = false })
    })
  }
}

// Dialogs: open as modal (the rest of the page is inert), close with Escape, give focus back to the opener.

function dialogFor (buttonId: string, dialogId: string, onOpen?: () => void): HTMLDialogElement | null {
  const button = byId<HTMLButtonElement>(buttonId)
  const dialog = byId<HTMLDialogElement>(dialogId)
  if (!button || !(dialog instanceof HTMLDialogElement)) return null
  button.addEventListener('click', () => {
    onOpen?.()
    dialog.showModal()
    dialog.querySelector<HTMLElement>('input, textarea, button')?.focus()
  })
  dialog.addEventListener('close', () => { button.focus() })
  return dialog
}

function initShare (): void {
  const link = byId<HTMLInputElement>('share-link')
  const embed = byId<HTMLTextAreaElement>('share-embed')
  const atTime = byId<HTMLInputElement>('share-at-time')
  const time = byId('share-time')
  const copied = byId('share-copied')
  let start = 0

  const update = (): void => {
    if (!link || !embed) return
    const withStart = atTime?.checked === true && start > 0
    const watch = new URL(link.dataset.base ?? link.value)
    if (withStart) watch.searchParams.set('start', String(start))
    link.value = watch.toString()

    // PeerTube's embed options: only what differs from the default goes in the URL.
    const src = new URL(embed.dataset.base ?? '')
    if (withStart) src.searchParams.set('start', String(start))
    document.querySelectorAll<HTMLInputElement>('#share-dialog input[data-embed-option]').forEach(option => {
      const byDefault = option.dataset.default === '1'
      if (option.checked !== byDefault) src.searchParams.set(option.name, option.checked ? '1' : '0')
    })
    const title = document.getElementById('video-title')?.textContent ?? ''
    embed.value = `<iframe title="${title.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}" width="560" height="315" ` +
      `src="${src.toString()}" frameborder="0" allowfullscreen="" sandbox="allow-same-origin allow-scripts allow-popups allow-forms"></iframe>`
    show(copied, null)
  }

  const dialog = dialogFor('share-button', 'share-dialog', () => {
    start = currentTime()
    if (time) time.textContent = formatTime(start)
    update()
  })
  if (!dialog) return
  dialog.addEventListener('change', update)
  dialog.querySelectorAll<HTMLButtonElement>('button[data-copy]').forEach(button => {
    button.addEventListener('click', () => {
      const field = byId<HTMLInputElement | HTMLTextAreaElement>(button.dataset.copy ?? '')
      if (!field) return
      field.select()
      const done = (): void => { show(copied, 'Copied.') }
      if (navigator.clipboard?.writeText) {
        navigator.clipboard.writeText(field.value).then(done, () => { document.execCommand('copy'); done() })
      } else {
        document.execCommand('copy')
        done()
      }
    })
  })
}

function initReport (): void {
  const root = byId('watch-actions')
  const form = byId<HTMLFormElement>('report-form')
  const dialog = dialogFor('report-button', 'report-dialog')
  if (!root?.dataset.videoId || !form || !dialog) return
  const error = byId('report-error')
  const done = byId('report-done')
  const submit = byId<HTMLButtonElement>('report-submit')
  byId('report-cancel')?.addEventListener('click', () => { dialog.close() })

  form.addEventListener('submit', event => {
    event.preventDefault()
    const text = byId<HTMLTextAreaElement>('report-text')?.value.trim() ?? ''
    if (text.length < 2) { show(error, 'Tell the moderators what is wrong.'); return }
    const video: Record<string, number> = { id: Number(root.dataset.videoId) }
    const startAt = byId<HTMLInputElement>('report-start')?.value ?? ''
    const endAt = byId<HTMLInputElement>('report-end')?.value ?? ''
    if (startAt !== '') video.startAt = Number(startAt)
    if (endAt !== '') video.endAt = Number(endAt)
    const predefinedReasons = [...form.querySelectorAll<HTMLInputElement>('input[name=predefinedReasons]:checked')].map(i => i.value)
    show(error, null)
    if (submit) submit.disabled = true
    apiFetch('/api/v1/abuses', json('POST', { reason: text, predefinedReasons, video }))
      .then(async response => {
        if (!response.ok) { show(error, await problemMessage(response)); if (submit) submit.disabled = false; return }
        show(done, 'Thank you: the moderators will look at it.')
      })
      .catch(() => { show(error, OFFLINE); if (submit) submit.disabled = false })
  })
}

// Comments

function initComments (): void {
  const section = byId('comments')
  const videoId = section?.dataset.videoId
  if (!section || !videoId) return
  const base = `/api/v1/videos/${encodeURIComponent(videoId)}`

  const post = (form: HTMLFormElement, url: string): void => {
    const text = form.querySelector('textarea')
    const error = form.querySelector<HTMLElement>('.form-error')
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]')
    if (!text?.value.trim()) { show(error, 'Write something first.'); text?.focus(); return }
    show(error, null)
    if (button) button.disabled = true
    apiFetch(url, json('POST', { text: text.value }))
      .then(async response => {
        if (!response.ok) { show(error, await problemMessage(response)); if (button) button.disabled = false; return }
        const created = await response.json() as { comment?: { id?: number } }
        reloadAtComments(created.comment?.id ? `comment-${created.comment.id}` : 'comments')
      })
      .catch(() => { show(error, OFFLINE); if (button) button.disabled = false })
  }

  byId<HTMLFormElement>('comment-form')?.addEventListener('submit', event => {
    event.preventDefault()
    post(event.currentTarget as HTMLFormElement, `${base}/comment-threads`)
  })

  section.addEventListener('submit', event => {
    const form = event.target as HTMLFormElement
    if (!form.classList.contains('reply-form')) return
    event.preventDefault()
    const id = form.closest<HTMLElement>('.comment')?.dataset.commentId
    if (id) post(form, `${base}/comments/${encodeURIComponent(id)}`)
  })

  section.addEventListener('click', event => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button')
    const comment = button?.closest<HTMLElement>('.comment')
    const id = comment?.dataset.commentId
    if (!button || !id) return

    if (button.classList.contains('comment-reply')) {
      const form = byId<HTMLFormElement>(`reply-form-${id}`)
      if (!form) return
      form.hidden = !form.hidden
      button.setAttribute('aria-expanded', String(!form.hidden))
      if (!form.hidden) form.querySelector('textarea')?.focus()
      return
    }

    const act = (method: string, url: string): void => {
      button.disabled = true
      apiFetch(url, { method })
        .then(async response => {
          if (!response.ok) {
            window.alert(await problemMessage(response))
            button.disabled = false
            return
          }
          reloadAtComments(`comment-${id}`)
        })
        .catch(() => { window.alert(OFFLINE); button.disabled = false })
    }

    if (button.classList.contains('comment-approve')) {
      act('POST', `${base}/comments/${encodeURIComponent(id)}/approve`)
    } else if (button.classList.contains('comment-delete') && window.confirm('Delete this comment?')) {
      act('DELETE', `${base}/comments/${encodeURIComponent(id)}`)
    }
  })
}

export function initWatch (): void {
  initActions()
  initShare()
  initReport()
  initComments()
}
