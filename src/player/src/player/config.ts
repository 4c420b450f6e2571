// The player's input: the JSON in #pt-player's data-config, written by the server
// (docs/web-contract.md, "Player mount"). Parsing is defensive: a missing or malformed field
// falls back to PeerTube's embed defaults rather than breaking the page.

export interface EmbedOptions {
  /** Seconds to start at; null = from the beginning (or the saved resume position). */
  start: number | null
  /** Seconds at which to pause once. */
  stop: number | null
  autoplay: boolean
  muted: boolean
  loop: boolean
  /** Show the video name over the embed. */
  title: boolean
  warningTitle: boolean
  controls: boolean
  /** ?p2p=0 turns peer-to-peer off for this embed (the server then also writes p2p.enabled = false). */
  p2p: boolean
  peertubeLink: boolean
  /** Speak the Embed API (jschannel) to window.parent. */
  api: boolean
}

export interface ResolutionInfo {
  height: number
  label: string
}

/** One rendition's swarm (docs/p2p-contract.md): its media playlist's file name and swarm id. */
export interface P2PSwarmInfo {
  playlist: string
  height: number
  swarmId: string
}

/** The "p2p" part of data-config (docs/p2p-contract.md). */
export interface P2PConfig {
  enabled: boolean
  hubUrl: string
  iceServers: RTCIceServer[]
  swarms: P2PSwarmInfo[]
  /** P2P:MaxPeers: connections kept at once. */
  maxPeers: number
}

export interface WebVideoInfo {
  height: number
  url: string
}

export interface PlayerConfig {
  uuid: string
  shortUuid: string
  name: string
  duration: number
  hlsUrl: string
  /** A remote video with no HLS (web videos only): the MP4 file at its origin, played by the browser itself. */
  webVideoUrl: string | null
  /** Every MP4 file of such a video, for the quality menu (highest first). */
  webVideos: WebVideoInfo[]
  segmentsSha256Url: string | null
  /** Folders of copies of the video on other instances (redundancy): extra HTTP sources. */
  mirrors: string[]
  posterUrl: string | null
  videoFileToken: string | null
  /** A password-protected video without its password yet: password.ts asks for it before the player starts. */
  passwordRequired: boolean
  watchUrl: string
  viewsUrl: string | null
  embed: boolean
  /** PeerTube VideoState: 1 = published. */
  state: number
  resolutions: ResolutionInfo[]
  options: EmbedOptions
  /** Null when the server wrote none: the player then fetches everything over HTTP. */
  p2p: P2PConfig | null
  /** A live's PeerTube latency mode (1 default, 2 high, 3 small); null or absent for a video that is not live. */
  latencyMode?: number | null
}

export const PUBLISHED_STATE = 1

/**
 * What to show instead of the video when it is not published, by PeerTube's VideoState id
 * (2 TO_TRANSCODE, 3 TO_IMPORT, 4 WAITING_FOR_LIVE, 5 LIVE_ENDED, 7 TRANSCODING_FAILED,
 * 8 / 11 moving to object storage / file system failed; 6, 9, 10 are other processing steps).
 */
export function stateMessage (state: number): { text: string, failed: boolean } {
  switch (state) {
    case 2: return { text: 'This video is being transcoded', failed: false }
    case 3: return { text: 'This video is being imported', failed: false }
    case 4: return { text: 'This live has not started yet', failed: false }
    case 5: return { text: 'This live has ended', failed: false }
    case 7: return { text: 'Transcoding failed', failed: true }
    case 8:
    case 11: return { text: 'Processing this video failed', failed: true }
    default: return { text: 'This video is being processed', failed: false }
  }
}

const DEFAULT_OPTIONS: EmbedOptions = {
  start: null,
  stop: null,
  autoplay: false,
  muted: false,
  loop: false,
  title: true,
  warningTitle: true,
  controls: true,
  p2p: true,
  peertubeLink: true,
  api: false
}

type Json = Record<string, unknown>

function str (v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback
}

function strOrNull (v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null
}

function num (v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback
}

function numOrNull (v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  // The server may pass the raw query value through ("30", "1m30s" is not supported here).
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return null
}

function bool (v: unknown, fallback: boolean): boolean {
  if (typeof v === 'boolean') return v
  if (v === 1 || v === '1' || v === 'true') return true
  if (v === 0 || v === '0' || v === 'false') return false
  return fallback
}

function parseOptions (raw: unknown): EmbedOptions {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Json
  const d = DEFAULT_OPTIONS
  return {
    start: numOrNull(o.start),
    stop: numOrNull(o.stop),
    autoplay: bool(o.autoplay, d.autoplay),
    muted: bool(o.muted, d.muted),
    loop: bool(o.loop, d.loop),
    title: bool(o.title, d.title),
    warningTitle: bool(o.warningTitle, d.warningTitle),
    controls: bool(o.controls, d.controls),
    p2p: bool(o.p2p, d.p2p),
    peertubeLink: bool(o.peertubeLink, d.peertubeLink),
    api: bool(o.api, d.api)
  }
}

/** Throws when data-config is missing or not JSON: the caller shows that as a player error. */
export function readConfig (mount: HTMLElement): PlayerConfig {
  const text = mount.dataset.config
  if (!text) throw new Error('The player has no configuration (data-config is missing).')
  const c = JSON.parse(text) as Json
  const resolutions = Array.isArray(c.resolutions)
    ? (c.resolutions as Json[]).map(r => ({ height: num(r?.height, 0), label: str(r?.label, '') }))
    : []
  return {
    uuid: str(c.uuid, ''),
    shortUuid: str(c.shortUuid, ''),
    name: str(c.name, ''),
    duration: num(c.duration, 0),
    hlsUrl: str(c.hlsUrl, ''),
    webVideoUrl: strOrNull(c.webVideoUrl),
    webVideos: Array.isArray(c.webVideos)
      ? (c.webVideos as Json[]).map(w => ({ height: num(w?.height, 0), url: str(w?.url, '') })).filter(w => w.url !== '')
      : [],
    segmentsSha256Url: strOrNull(c.segmentsSha256Url),
    mirrors: Array.isArray(c.mirrors) ? (c.mirrors as unknown[]).filter((m): m is string => typeof m === 'string') : [],
    posterUrl: strOrNull(c.posterUrl),
    videoFileToken: strOrNull(c.videoFileToken),
    passwordRequired: bool(c.passwordRequired, false),
    watchUrl: str(c.watchUrl, ''),
    viewsUrl: strOrNull(c.viewsUrl),
    embed: bool(c.embed, false),
    state: num(c.state, PUBLISHED_STATE),
    resolutions,
    options: parseOptions(c.options),
    p2p: parseP2P(c.p2p),
    latencyMode: typeof c.latencyMode === 'number' ? c.latencyMode : null
  }
}

function parseP2P (raw: unknown): P2PConfig | null {
  if (!raw || typeof raw !== 'object') return null
  const o = raw as Json
  const iceServers: RTCIceServer[] = []
  if (Array.isArray(o.iceServers)) {
    for (const s of o.iceServers as Json[]) {
      if (!s || typeof s !== 'object') continue
      const urls = Array.isArray(s.urls) ? (s.urls as unknown[]).filter((u): u is string => typeof u === 'string') : typeof s.urls === 'string' ? [s.urls] : []
      if (urls.length === 0) continue
      const server: RTCIceServer = { urls }
      if (typeof s.username === 'string') server.username = s.username
      if (typeof s.credential === 'string') server.credential = s.credential
      iceServers.push(server)
    }
  }
  const swarms: P2PSwarmInfo[] = Array.isArray(o.swarms)
    ? (o.swarms as Json[])
        .filter(s => s && typeof s === 'object' && typeof s.swarmId === 'string' && s.swarmId !== '')
        .map(s => ({ playlist: str(s.playlist, ''), height: num(s.height, 0), swarmId: s.swarmId as string }))
    : []
  return {
    enabled: bool(o.enabled, false),
    hubUrl: str(o.hubUrl, '/hubs/swarm'),
    iceServers,
    swarms,
    maxPeers: Math.max(2, Math.min(64, Math.floor(num(o.maxPeers, 10))))
  }
}

/** Appends ?videoFileToken= (private/internal videos) to a playlist or segment URL. */
export function withFileToken (url: string, token: string | null): string {
  if (!token) return url
  const hashAt = url.indexOf('#')
  const base = hashAt < 0 ? url : url.slice(0, hashAt)
  const hash = hashAt < 0 ? '' : url.slice(hashAt)
  // hls.js hands us absolute URLs; don't add a second token if a playlist already carried one.
  if (/[?&]videoFileToken=/.test(base)) return url
  const sep = base.includes('?') ? '&' : '?'
  return `${base}${sep}videoFileToken=${encodeURIComponent(token)}${hash}`
}
