// The signed-in session of the pages (docs/web-contract.md, "Sessions"): PeerTube's OAuth tokens in
// localStorage["pt-auth"], the access token mirrored in the pt_token cookie so that server-rendered pages know
// the viewer, and a refresh (refresh_token grant) when less than five minutes are left.

export interface Session {
  accessToken: string
  refreshToken: string
  /** Milliseconds since the epoch. */
  expiresAt: number
  username: string
}

/** What POST /api/v1/users/token answers. */
export interface TokenResponse {
  access_token: string
  refresh_token: string
  /** Seconds. */
  expires_in: number
  token_type?: string
}

interface LocalClient {
  client_id: string
  client_secret: string
}

const STORAGE_KEY = 'pt-auth'
const COOKIE_NAME = 'pt_token'
const REFRESH_MARGIN_MS = 5 * 60 * 1000
const TOKEN_URL = '/api/v1/users/token'

/** A failure to show as it is: PeerTube's own message, or ours. */
export class SessionError extends Error {}

/** The account has two-factor authentication on: ask for the app's code and sign in again with it. */
export class TwoFactorRequired extends SessionError {}

export function getSession (): Session | null {
  let raw: string | null
  try {
    raw = window.localStorage.getItem(STORAGE_KEY)
  } catch {
    return null // storage disabled (private mode, blocked third-party storage in an embed)
  }
  if (!raw) return null
  try {
    const value = JSON.parse(raw) as Partial<Session>
    if (typeof value.accessToken === 'string' && typeof value.refreshToken === 'string' &&
        typeof value.expiresAt === 'number' && typeof value.username === 'string') {
      return { accessToken: value.accessToken, refreshToken: value.refreshToken, expiresAt: value.expiresAt, username: value.username }
    }
  } catch {
    // Not ours, or damaged: treated as no session.
  }
  return null
}

export function saveSession (token: TokenResponse, username: string): Session {
  const session: Session = {
    accessToken: token.access_token,
    refreshToken: token.refresh_token,
    expiresAt: Date.now() + token.expires_in * 1000,
    username
  }
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(session))
  } catch {
    // Without storage the cookie still carries this page load.
  }
  writeCookie(session)
  return session
}

export function clearSession (): void {
  try {
    window.localStorage.removeItem(STORAGE_KEY)
  } catch {
    // Nothing stored, then.
  }
  document.cookie = `${COOKIE_NAME}=; Path=/; SameSite=Strict; Max-Age=0${secure()}`
}

/** The access token to send, refreshed first when it has less than five minutes left; null when signed out. */
export async function getAccessToken (): Promise<string | null> {
  const session = getSession()
  if (!session) {
    if (readCookie() !== null) clearSession() // signed out in another tab
    return null
  }

  if (session.expiresAt - Date.now() > REFRESH_MARGIN_MS) {
    if (readCookie() !== session.accessToken) writeCookie(session)
    return session.accessToken
  }

  const refreshed = await refresh(null)
  if (refreshed) return refreshed.accessToken
  // The server could not be reached: the old token may still have a little life in it.
  const current = getSession()
  return current && current.expiresAt > Date.now() ? current.accessToken : null
}

/** fetch with the bearer token; a 401 gets one refresh and one more try. */
export async function apiFetch (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const token = await getAccessToken()
  const first = input instanceof Request ? input.clone() : input
  const response = await fetch(first, withBearer(init, token))
  if (response.status !== 401 || token === null) return response

  const refreshed = await refresh(token)
  if (!refreshed) return response
  return fetch(input, withBearer(init, refreshed.accessToken))
}

/** PeerTube's sign-in: the local OAuth client, then the password grant. */
export async function signIn (username: string, password: string, otp?: string): Promise<Session> {
  const client = await localClient()
  let response: Response
  try {
    response = await fetch(TOKEN_URL, {
      method: 'POST',
      headers: otp ? { 'x-peertube-otp': otp } : undefined,
      body: new URLSearchParams({
        client_id: client.client_id,
        client_secret: client.client_secret,
        grant_type: 'password',
        response_type: 'code',
        username,
        password
      })
    })
  } catch {
    throw new SessionError('The server cannot be reached. Check your connection and try again.')
  }

  if (response.status === 401 && response.headers.get('x-peertube-otp') !== null) {
    throw new TwoFactorRequired('Enter the code from your authenticator app.')
  }
  if (!response.ok) throw new SessionError(await problemMessage(response))
  const token = await response.json() as TokenResponse
  return saveSession(token, username)
}

/** Revokes the tokens on the server (best effort), then forgets them here. */
export async function signOut (): Promise<void> {
  const session = getSession()
  if (session) {
    try {
      await fetch('/api/v1/users/revoke-token', { method: 'POST', headers: { Authorization: `Bearer ${session.accessToken}` } })
    } catch {
      // Signed out here all the same; the token expires on its own.
    }
  }
  clearSession()
}

/** The human part of a PeerTube error body (detail, error or title), or a sentence about the status. */
export async function problemMessage (response: Response): Promise<string> {
  try {
    const body = await response.clone().json() as { detail?: unknown, error?: unknown, error_description?: unknown, title?: unknown }
    for (const value of [body.detail, body.error_description, body.error, body.title]) {
      if (typeof value === 'string' && value.length > 0) return value
    }
  } catch {
    // Not JSON.
  }
  if (response.status === 429) return 'Too many attempts. Please wait a few minutes and try again.'
  if (response.status >= 500) return 'The server had a problem. Please try again later.'
  return `The request failed (${response.status}).`
}

let clientPromise: Promise<LocalClient> | null = null

function localClient (): Promise<LocalClient> {
  if (!clientPromise) {
    clientPromise = fetchLocalClient()
    clientPromise.catch(() => { clientPromise = null }) // a failure is not remembered
  }
  return clientPromise
}

async function fetchLocalClient (): Promise<LocalClient> {
  let response: Response
  try {
    response = await fetch('/api/v1/oauth-clients/local')
  } catch {
    throw new SessionError('The server cannot be reached. Check your connection and try again.')
  }
  if (!response.ok) throw new SessionError(await problemMessage(response))
  return await response.json() as LocalClient
}

let refreshing: Promise<Session | null> | null = null

/**
 * One refresh at a time in this page, and across tabs where the browser has Web Locks: a tab that waited finds
 * the session another tab refreshed, rather than spending the same refresh token twice.
 * @param rejected the access token the server refused (forces a refresh unless another tab already replaced it)
 */
function refresh (rejected: string | null): Promise<Session | null> {
  refreshing ??= withLock(async () => {
    const current = getSession()
    if (!current) return null
    const replaced = rejected !== null && current.accessToken !== rejected
    if (replaced || (rejected === null && current.expiresAt - Date.now() > REFRESH_MARGIN_MS)) return current

    let response: Response
    try {
      const client = await localClient()
      response = await fetch(TOKEN_URL, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: client.client_id,
          client_secret: client.client_secret,
          grant_type: 'refresh_token',
          refresh_token: current.refreshToken
        })
      })
    } catch {
      return null // offline: keep the session, try again later
    }

    if (response.status === 400 || response.status === 401) {
      clearSession() // the refresh token is expired or revoked: signed out
      return null
    }
    if (!response.ok) return null
    return saveSession(await response.json() as TokenResponse, current.username)
  }).finally(() => { refreshing = null })
  return refreshing
}

async function withLock<T> (work: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks
  return locks ? await locks.request('pt-auth-refresh', work) : await work()
}

function withBearer (init: RequestInit, token: string | null): RequestInit {
  if (token === null) return init
  const headers = new Headers(init.headers)
  headers.set('Authorization', `Bearer ${token}`)
  return { ...init, headers }
}

function writeCookie (session: Session): void {
  const expires = new Date(session.expiresAt).toUTCString()
  document.cookie = `${COOKIE_NAME}=${encodeURIComponent(session.accessToken)}; Path=/; SameSite=Strict; Expires=${expires}${secure()}`
}

function readCookie (): string | null {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === COOKIE_NAME) return decodeURIComponent(value.join('='))
  }
  return null
}

function secure (): string {
  return window.location.protocol === 'https:' ? '; Secure' : ''
}
