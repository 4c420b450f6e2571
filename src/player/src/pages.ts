// Loaded by every page (docs/web-contract.md): keeps the session fresh and in step with what the server rendered,
// and gives the forms found by id their behaviour: sign in, log out, delete and edit a video, set a user's quota.
import { initPlaylists } from './playlists'
import { initWatch } from './watch'
import { apiFetch, clearSession, getAccessToken, getSession, problemMessage, SessionError, signIn, signOut, TwoFactorRequired } from './session'
import { initApiForms } from './profile'

const REFRESH_MARGIN_MS = 5 * 60 * 1000
const RELOAD_GUARD_KEY = 'pt-auth-reloaded'

function byId<T extends HTMLElement> (id: string): T | null {
  return document.getElementById(id) as T | null
}

function showMessage (element: HTMLElement | null, message: string | null): void {
  if (!element) return
  element.textContent = message ?? ''
  element.hidden = message === null
}

/** Where ?redirect= may send the viewer after signing in: a path on this site, never another origin. */
export function safeRedirect (value: string | null): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/'
  try {
    const url = new URL(value, window.location.origin)
    if (url.origin !== window.location.origin || url.pathname === '/login') return '/'
    return url.pathname + url.search + url.hash
  } catch {
    return '/'
  }
}

// Session upkeep

/** Refreshes the token when due, then again shortly before each expiry, for as long as the page is open. */
async function keepSessionFresh (): Promise<void> {
  await getAccessToken()
  const session = getSession()
  if (!session) return
  const delay = Math.min(Math.max(session.expiresAt - Date.now() - REFRESH_MARGIN_MS + 1000, 30_000), 2 ** 31 - 1)
  window.setTimeout(() => { void keepSessionFresh() }, delay)
}

/**
 * The server drew the page from the cookie. When the cookie was missing or stale but the stored session is good
 * (or the other way round), the page shows the wrong viewer: once the cookie is right, draw it again, at most once.
 */
async function reconcileWithServer (): Promise<void> {
  const serverSawViewer = byId('user-menu') !== null
  const serverSawNobody = byId('login-link') !== null
  // The embed has no header; the sign-in page goes on by itself.
  if ((!serverSawViewer && !serverSawNobody) || byId('login-form')) return

  let signedIn = getSession() !== null
  if (signedIn && serverSawNobody) {
    // The server did not accept the cookie: ask whether the session itself still works (a refresh may follow).
    try {
      await apiFetch('/api/v1/users/me')
    } catch {
      return // offline: nothing to learn
    }
    signedIn = getSession() !== null
  }

  if (signedIn === serverSawViewer) {
    sessionStorage.removeItem(RELOAD_GUARD_KEY)
    return
  }

  if (!signedIn) clearSession() // a cookie without a session cannot make API calls: drop it
  const lastReload = Number(sessionStorage.getItem(RELOAD_GUARD_KEY) ?? '0')
  if (Date.now() - lastReload < 30_000) return
  sessionStorage.setItem(RELOAD_GUARD_KEY, String(Date.now()))
  window.location.reload()
}

// Sign in and out

function initLogin (): void {
  const form = byId<HTMLFormElement>('login-form')
  if (!form) return
  const username = byId<HTMLInputElement>('login-username')
  const password = byId<HTMLInputElement>('login-password')
  const submit = byId<HTMLButtonElement>('login-submit')
  const error = byId<HTMLElement>('login-error')
  const params = new URLSearchParams(window.location.search)

  // Sent here by a page that needs a user, while already signed in (the cookie had expired): go straight back.
  if (params.has('redirect') && getSession()) {
    void getAccessToken().then(token => {
      if (token) window.location.replace(safeRedirect(params.get('redirect')))
    })
  }

  form.addEventListener('submit', event => {
    event.preventDefault()
    if (!username || !password) return
    if (!username.value.trim() || !password.value) {
      showMessage(error, 'Enter your username and your password.')
      return
    }

    showMessage(error, null)
    if (submit) submit.disabled = true
    const otpField = byId('login-otp-field')
    const otp = byId<HTMLInputElement>('login-otp')
    const code = otpField && !otpField.hidden ? otp?.value.trim() : undefined
    signIn(username.value.trim(), password.value, code)
      .then(() => { window.location.assign(safeRedirect(params.get('redirect'))) })
      .catch((e: unknown) => {
        if (submit) submit.disabled = false
        if (e instanceof TwoFactorRequired && otpField) {
          // Two-factor is on for this account: the same form asks for the app's code.
          otpField.hidden = false
          showMessage(error, e.message)
          otp?.focus()
          return
        }
        showMessage(error, e instanceof SessionError ? e.message : 'Signing in failed unexpectedly.')
        password.focus()
      })
  })
}

function initLogout (): void {
  const button = byId<HTMLButtonElement>('logout')
  if (!button) return
  button.addEventListener('click', () => {
    button.disabled = true
    void signOut().then(() => { window.location.assign('/') })
  })
}

// My videos: delete

function initMyVideos (): void {
  const error = byId<HTMLElement>('my-videos-error')
  document.addEventListener('click', event => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button.my-video-delete')
    const row = button?.closest<HTMLElement>('.my-video')
    if (!button || !row?.dataset.id) return

    const name = button.dataset.name ?? 'this video'
    if (!window.confirm(`Delete “${name}”? This cannot be undone.`)) return

    button.disabled = true
    showMessage(error, null)
    apiFetch(`/api/v1/videos/${encodeURIComponent(row.dataset.id)}`, { method: 'DELETE' })
      .then(async response => {
        if (response.ok || response.status === 404) {
          row.remove()
          return
        }
        showMessage(error, await problemMessage(response))
        button.disabled = false
      })
      .catch(() => {
        showMessage(error, 'The server cannot be reached. Check your connection and try again.')
        button.disabled = false
      })
  })
}

// Edit a video

function initEdit (): void {
  const form = byId<HTMLFormElement>('edit-form')
  if (!form?.dataset.id) return
  const id = form.dataset.id
  const name = byId<HTMLInputElement>('edit-name')
  const privacy = byId<HTMLSelectElement>('edit-privacy')
  const description = byId<HTMLTextAreaElement>('edit-description')
  const tags = byId<HTMLInputElement>('edit-tags')
  const submit = byId<HTMLButtonElement>('edit-submit')
  const saved = byId<HTMLElement>('edit-saved')
  const error = byId<HTMLElement>('edit-error')

  form.addEventListener('input', () => { if (saved) saved.hidden = true })
  form.addEventListener('submit', event => {
    event.preventDefault()
    if (!name || !privacy) return
    const body: Record<string, unknown> = {
      name: name.value.trim(),
      privacy: Number(privacy.value),
      description: description?.value ?? '',
      tags: (tags?.value ?? '').split(',').map(t => t.trim()).filter(t => t.length > 0),
      ...videoFieldsOf(form)
    }

    if (saved) saved.hidden = true
    showMessage(error, null)
    if (submit) submit.disabled = true
    apiFetch(`/api/v1/videos/${encodeURIComponent(id)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    })
      .then(async response => {
        if (response.ok) {
          if (saved) saved.hidden = false
        } else {
          showMessage(error, await problemMessage(response))
        }
      })
      .catch(() => { showMessage(error, 'The server cannot be reached. Check your connection and try again.') })
      .finally(() => { if (submit) submit.disabled = false })
  })
}

/**
 * The edit page's other fields, by PeerTube's names (commentsPolicy is left as it is: not sent). A new password is
 * sent only for a password-protected video; the schedule is in UTC (the field says so), null when emptied.
 */
function videoFieldsOf (form: HTMLFormElement): Record<string, unknown> {
  const value = (id: string): string => form.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`#${id}`)?.value ?? ''
  const checked = (id: string): boolean | undefined => form.querySelector<HTMLInputElement>(`#${id}`)?.checked
  const fields: Record<string, unknown> = {}
  const password = value('edit-video-password')
  if (Number(value('edit-privacy')) === 5 && password) fields.videoPasswords = [password]
  if (form.querySelector('#edit-schedule-at')) {
    const at = value('edit-schedule-at')
    fields.scheduleUpdate = at ? { updateAt: `${at}:00Z`, privacy: Number(value('edit-schedule-privacy')) } : null
  }
  const original = value('edit-originally-published')
  if (form.querySelector('#edit-originally-published')) fields.originallyPublishedAt = original ? `${original}T00:00:00Z` : null
  if (form.querySelector('#edit-support')) fields.support = value('edit-support')
  const nsfw = checked('edit-nsfw')
  if (nsfw !== undefined) fields.nsfw = nsfw
  const download = checked('edit-download-enabled')
  if (download !== undefined) fields.downloadEnabled = download
  return fields
}

// Administration: quotas

function initAdmin (): void {
  document.addEventListener('click', event => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button.admin-user-save')
    const row = button?.closest<HTMLElement>('tr.admin-user')
    const input = row?.querySelector<HTMLInputElement>('input.admin-user-quota')
    const status = row?.querySelector<HTMLElement>('.admin-user-status') ?? null
    if (!button || !row?.dataset.id || !input) return

    const quota = Number(input.value)
    if (!Number.isInteger(quota) || quota < -1) {
      if (status) status.textContent = 'The quota is a number of bytes, or -1 for unlimited.'
      input.focus()
      return
    }

    button.disabled = true
    if (status) status.textContent = 'Saving…'
    apiFetch(`/api/v1/users/${encodeURIComponent(row.dataset.id)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ videoQuota: quota })
    })
      .then(async response => {
        if (status) status.textContent = response.ok ? 'Saved' : await problemMessage(response)
      })
      .catch(() => { if (status) status.textContent = 'The server cannot be reached.' })
      .finally(() => { button.disabled = false })
  })
}

// Moderation: the instance's blocklist (/admin/blocklist)

function initBlocklist (): void {
  const error = byId('blocklist-error')
  if (!error) return

  /** Sends one change to the blocklist API; the page is reloaded to show the list as the server now has it. */
  function send (url: string, init: RequestInit, button: HTMLButtonElement | null): void {
    showMessage(error, null)
    if (button) button.disabled = true
    apiFetch(url, init)
      .then(async response => {
        if (response.ok) {
          window.location.reload()
          return
        }
        showMessage(error, await problemMessage(response))
        if (button) button.disabled = false
      })
      .catch(() => {
        showMessage(error, 'The server cannot be reached. Check your connection and try again.')
        if (button) button.disabled = false
      })
  }

  const forms: Array<[string, string, string, string]> = [
    ['block-server-form', 'block-server-host', 'host', '/api/v1/server/blocklist/servers'],
    ['block-account-form', 'block-account-name', 'accountName', '/api/v1/server/blocklist/accounts'],
    ['blocklist-subscribe-form', 'blocklist-subscribe-url', 'url', '/api/v1/server/blocklist/subscriptions']
  ]
  for (const [formId, inputId, field, url] of forms) {
    const form = byId(formId)
    const input = byId<HTMLInputElement>(inputId)
    form?.addEventListener('submit', event => {
      event.preventDefault()
      const value = input?.value.trim() ?? ''
      if (!value) {
        showMessage(error, 'Fill in the field first.')
        input?.focus()
        return
      }
      send(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ [field]: value })
      }, form?.querySelector<HTMLButtonElement>('button[type=submit]') ?? null)
    })
  }

  document.addEventListener('click', event => {
    const target = event.target as Element | null
    const unblock = target?.closest<HTMLButtonElement>('button.blocklist-unblock')
    if (unblock?.dataset.kind && unblock.dataset.target) {
      send(`/api/v1/server/blocklist/${unblock.dataset.kind}/${encodeURIComponent(unblock.dataset.target)}`, { method: 'DELETE' }, unblock)
      return
    }
    const unsubscribe = target?.closest<HTMLButtonElement>('button.blocklist-unsubscribe')
    if (unsubscribe?.dataset.id && window.confirm('Remove this subscription and the blocks it made?')) {
      send(`/api/v1/server/blocklist/subscriptions/${encodeURIComponent(unsubscribe.dataset.id)}`, { method: 'DELETE' }, unsubscribe)
    }
  })
}

// Moderation: video blocks (/admin/video-blocks) and reports (/admin/abuses). Each action is a button that names its
// API call (data-api-method, data-api-url, optional JSON data-api-body and data-confirm); the page reloads on success.

function initModerationActions (): void {
  const error = byId('moderation-error')
  if (!error) return
  document.addEventListener('click', event => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-api-url]')
    const url = button?.dataset.apiUrl
    const method = button?.dataset.apiMethod
    if (!button || !url || !method) return
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return
    showMessage(error, null)
    button.disabled = true
    const body = button.dataset.apiBody
    apiFetch(url, body ? { method, headers: { 'Content-Type': 'application/json' }, body } : { method })
      .then(async response => {
        if (response.ok) {
          window.location.reload()
          return
        }
        showMessage(error, await problemMessage(response))
        button.disabled = false
      })
      .catch(() => {
        showMessage(error, 'The server cannot be reached. Check your connection and try again.')
        button.disabled = false
      })
  })
}

// Administration: the instance's settings (/admin/settings), sent back whole as PeerTube's admin page does

function initSettings (): void {
  const form = byId<HTMLFormElement>('settings-form')
  if (!form) return
  const error = byId('settings-error')
  const saved = byId('settings-saved')
  const submit = byId<HTMLButtonElement>('settings-submit')
  const reset = byId<HTMLButtonElement>('settings-reset')

  async function save (method: 'PUT' | 'DELETE'): Promise<void> {
    showMessage(error, null)
    if (saved) saved.hidden = true
    if (submit) submit.disabled = true
    try {
      let init: RequestInit = { method: 'DELETE' }
      if (method === 'PUT') {
        const current = await apiFetch('/api/v1/config/custom')
        if (!current.ok) {
          showMessage(error, await problemMessage(current))
          return
        }
        const config = await current.json() as Record<string, unknown>
        for (const field of Array.from(form!.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('[data-path]'))) {
          const path = field.dataset.path!.split('.')
          let node = config
          for (const key of path.slice(0, -1)) node = (node[key] ?? (node[key] = {})) as Record<string, unknown>
          const kind = field.dataset.kind
          node[path[path.length - 1]] = kind === 'number' ? Number(field.value) : kind === 'boolean' ? field.value === 'true' : field.value
        }
        init = { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(config) }
      }
      const response = await apiFetch('/api/v1/config/custom', init)
      if (!response.ok) {
        showMessage(error, await problemMessage(response))
        return
      }
      if (method === 'DELETE') {
        window.location.reload()
        return
      }
      if (saved) saved.hidden = false
    } catch {
      showMessage(error, 'The server cannot be reached. Check your connection and try again.')
    } finally {
      if (submit) submit.disabled = false
    }
  }

  form.addEventListener('submit', event => {
    event.preventDefault()
    void save('PUT')
  })
  reset?.addEventListener('click', () => {
    if (window.confirm('Forget every setting made here and go back to the server\'s appsettings?')) void save('DELETE')
  })
}

// Accounts: sign-up, the pages mailed links open, and registration requests for moderators

/** POSTs JSON to the API without the session's token (these routes are for visitors). */
async function postJson (url: string, body: unknown): Promise<Response> {
  return await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

function initSignup (): void {
  const form = byId<HTMLFormElement>('signup-form')
  if (!form) return
  const error = byId('signup-error')
  const done = byId('signup-done')
  const submit = byId<HTMLButtonElement>('signup-submit')
  const approval = form.dataset.approval === 'true'
  const verification = form.dataset.verification === 'true'
  form.addEventListener('submit', event => {
    event.preventDefault()
    const value = (id: string): string => (byId<HTMLInputElement>(id)?.value ?? '').trim()
    if (!byId<HTMLInputElement>('signup-terms')?.checked) {
      showMessage(error, 'Tick the box to say you are old enough and agree to the terms.')
      return
    }
    const body: Record<string, unknown> = { username: value('signup-username'), email: value('signup-email'), password: byId<HTMLInputElement>('signup-password')?.value ?? '' }
    if (value('signup-channel')) body.channel = { name: value('signup-channel') }
    if (approval) body.registrationReason = value('signup-reason')
    showMessage(error, null)
    if (submit) submit.disabled = true
    postJson(approval ? '/api/v1/users/registrations/request' : '/api/v1/users/register', body)
      .then(async response => {
        if (!response.ok) {
          showMessage(error, await problemMessage(response))
          return
        }
        form.hidden = true
        showMessage(done, approval
          ? 'Your request is sent. A moderator will answer by email' + (verification ? '; first, open the link we just mailed you to check your address.' : '.')
          : verification ? 'Your account is made. Open the link we just mailed you, then sign in.' : 'Your account is made. You can sign in now.')
      })
      .catch(() => { showMessage(error, 'The server cannot be reached. Check your connection and try again.') })
      .finally(() => { if (submit) submit.disabled = false })
  })
}

function initAccountLinks (): void {
  const status = byId('verify-status')
  if (status) {
    const { userId, registrationId, secret } = status.dataset
    const url = registrationId ? `/api/v1/users/registrations/${registrationId}/verify-email` : userId ? `/api/v1/users/${userId}/verify-email` : null
    if (!url || !secret) {
      status.textContent = 'This link is incomplete. Open the link from the mail again.'
    } else {
      postJson(url, { verificationString: secret })
        .then(response => {
          status.textContent = response.ok
            ? (registrationId ? 'Your email is checked. A moderator will now look at your request.' : 'Your email is checked. You can sign in now.')
            : 'This link is not valid any more. Ask for a new one from the sign-in page.'
        })
        .catch(() => { status.textContent = 'The server cannot be reached. Try again.' })
    }
  }

  const reset = byId<HTMLFormElement>('reset-form')
  reset?.addEventListener('submit', event => {
    event.preventDefault()
    const error = byId('reset-error')
    showMessage(error, null)
    postJson(`/api/v1/users/${reset.dataset.userId ?? '0'}/reset-password`, {
      verificationString: reset.dataset.secret ?? '', password: byId<HTMLInputElement>('reset-password')?.value ?? ''
    })
      .then(async response => {
        if (!response.ok) {
          showMessage(error, response.status === 403 ? 'This link is not valid any more. Ask for a new one.' : await problemMessage(response))
          return
        }
        reset.hidden = true
        const done = byId('reset-done')
        if (done) done.hidden = false
      })
      .catch(() => { showMessage(error, 'The server cannot be reached. Try again.') })
  })

  const forgot = byId<HTMLFormElement>('forgot-form')
  forgot?.addEventListener('submit', event => {
    event.preventDefault()
    const error = byId('forgot-error')
    showMessage(error, null)
    postJson('/api/v1/users/ask-reset-password', { email: (byId<HTMLInputElement>('forgot-email')?.value ?? '').trim() })
      .then(async response => {
        if (!response.ok) {
          showMessage(error, await problemMessage(response))
          return
        }
        forgot.hidden = true
        const done = byId('forgot-done')
        if (done) done.hidden = false
      })
      .catch(() => { showMessage(error, 'The server cannot be reached. Try again.') })
  })
}

function initRegistrations (): void {
  const error = byId('registrations-error')
  if (!error) return
  document.addEventListener('click', event => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button.registration-accept, button.registration-reject')
    const row = button?.closest<HTMLElement>('tr.registration')
    if (!button || !row?.dataset.id) return
    const answer = row.querySelector<HTMLInputElement>('input.registration-response')?.value.trim() ?? ''
    if (!answer) {
      showMessage(error, 'Write an answer first: it is mailed to them.')
      return
    }
    const action = button.classList.contains('registration-accept') ? 'accept' : 'reject'
    button.disabled = true
    apiFetch(`/api/v1/users/registrations/${encodeURIComponent(row.dataset.id)}/${action}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ moderationResponse: answer })
    })
      .then(async response => {
        if (response.ok) {
          window.location.reload()
          return
        }
        showMessage(error, await problemMessage(response))
        button.disabled = false
      })
      .catch(() => {
        showMessage(error, 'The server cannot be reached.')
        button.disabled = false
      })
  })
}

// My settings: two-factor authentication (/my-account/settings)

function initTwoFactor (): void {
  const root = byId('two-factor')
  if (!root?.dataset.userId) return
  const base = `/api/v1/users/${encodeURIComponent(root.dataset.userId)}/two-factor`
  const enabled = root.dataset.enabled === 'true'
  const error = byId('two-factor-error')
  const setup = byId('two-factor-setup')
  let requestToken = ''

  const post = async (url: string, body: unknown): Promise<Response> =>
    await apiFetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

  byId<HTMLFormElement>('two-factor-password-form')?.addEventListener('submit', event => {
    event.preventDefault()
    showMessage(error, null)
    const currentPassword = byId<HTMLInputElement>('two-factor-password')?.value ?? ''
    if (enabled) {
      post(`${base}/disable`, { currentPassword })
        .then(async response => { if (response.ok) window.location.reload(); else showMessage(error, await problemMessage(response)) })
        .catch(() => { showMessage(error, 'The server cannot be reached.') })
      return
    }
    post(`${base}/request`, { currentPassword })
      .then(async response => {
        if (!response.ok) {
          showMessage(error, await problemMessage(response))
          return
        }
        const { otpRequest } = await response.json() as { otpRequest: { requestToken: string, secret: string } }
        requestToken = otpRequest.requestToken
        const secret = byId('two-factor-secret')
        if (secret) secret.textContent = otpRequest.secret
        const qr = byId<HTMLImageElement>('two-factor-qr')
        if (qr) qr.src = `/my-account/two-factor/qr.svg?t=${Date.now()}`
        if (setup) setup.hidden = false
        byId<HTMLInputElement>('two-factor-code')?.focus()
      })
      .catch(() => { showMessage(error, 'The server cannot be reached.') })
  })

  byId<HTMLFormElement>('two-factor-confirm-form')?.addEventListener('submit', event => {
    event.preventDefault()
    showMessage(error, null)
    post(`${base}/confirm-request`, { requestToken, otpToken: (byId<HTMLInputElement>('two-factor-code')?.value ?? '').trim() })
      .then(async response => { if (response.ok) window.location.reload(); else showMessage(error, await problemMessage(response)) })
      .catch(() => { showMessage(error, 'The server cannot be reached.') })
  })
}

function init (): void {
  initApiForms()
  initTwoFactor()
  initSignup()
  initAccountLinks()
  initRegistrations()
  initSettings()
  initBlocklist()
  initModerationActions()
  initLogin()
  initLogout()
  initMyVideos()
  initEdit()
  initAdmin()
  initPlaylists()
  initWatch()
  void keepSessionFresh().then(reconcileWithServer)
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init)
} else {
  init()
}
