// Playback engines: hls.js on Media Source Extensions (every desktop browser, Android), or the
// browser's own HLS (iOS Safari, which has no MSE on iPhone). Both expose the same small surface,
// so the UI and the Embed API never ask which one is running.
import Hls, { ErrorDetails, ErrorTypes, Events, type ErrorData, type HlsConfig } from 'hls.js'
import { Emitter } from './emitter'
import { withFileToken } from './config'
import type { P2PManager } from '../p2p/manager'
import { p2pFragmentLoader } from '../p2p/loader'
import { multiSourceLoader, SourcePool, type SourceStats } from './sources'
import { liveHlsConfig } from './live'

export interface Level {
  /** hls.js level index: what the Embed API calls the resolution id. */
  index: number
  height: number
  width: number
  bitrate: number
  label: string
}

export interface EngineEvents extends Record<string, unknown> {
  /** The master playlist is parsed: the levels are known (empty for native HLS). */
  ready: Level[]
  /** A different level is now playing (hls.js LEVEL_SWITCHED). */
  levelSwitched: number
  /** The viewer picked a level (or auto, -1). */
  manualLevelChanged: number
  /** Playback cannot go on; the message is for the viewer. */
  fatal: string
  /** A media playlist was loaded with no end (hls.js: details.live): the video is a live stream. */
  live: undefined
}

export interface Engine {
  readonly name: 'hls.js' | 'native' | 'progressive'
  readonly events: Emitter<EngineEvents>
  readonly levels: readonly Level[]
  /** Index of the level now playing; -1 while unknown. */
  readonly playingLevel: number
  /** Index picked by the viewer; -1 = automatic (ABR). */
  readonly manualLevel: number
  setLevel (index: number): void
  /** Estimated download bandwidth in bits/s, when the engine measures it. */
  bandwidthEstimate (): number | null
  /** A live's distance to its edge (s), the distance aimed at (live.ts) and where that is; null when not live or unknown. */
  liveEdge (): LiveEdge | null
  /** Requests and bytes per HTTP source (the origin, then each copy); empty when there is only the origin. */
  sources (): SourceStats[]
  destroy (): void
}

export interface LiveEdge {
  latency: number
  target: number
  syncPosition: number
}

export interface EngineOptions {
  src: string
  videoFileToken: string | null
  /** Seconds to start at; null = 0. */
  startPosition: number | null
  /** Peer-to-peer segments (hls.js only); null = every request over HTTP. */
  p2p?: P2PManager | null
  /** Folders on other instances with the same files (redundancy copies): extra HTTP sources (hls.js only). */
  mirrors?: readonly string[]
  /** A live's PeerTube latency mode (1 default, 2 high, 3 small): how far behind the live edge it plays (live.ts). */
  latencyMode?: number | null
}

export function levelLabel (height: number): string {
  return height > 0 ? `${height}p` : 'Audio only'
}

/**
 * Plain MP4 files (a remote video's web videos): the browser plays one itself; the quality menu switches files, keeping
 * the position and whether it was playing. "Auto" is the file the server picked (`src`).
 */
export function createProgressiveEngine (video: HTMLVideoElement, options: EngineOptions, files: ReadonlyArray<{ height: number, url: string }>): Engine {
  return new ProgressiveEngine(video, options, files)
}

/** hls.js when MSE is there; else native HLS when the browser says it can; else null. */
export function createEngine (video: HTMLVideoElement, options: EngineOptions): Engine | null {
  if (Hls.isSupported()) return new HlsJsEngine(video, options)
  if (video.canPlayType('application/vnd.apple.mpegurl') !== '') return new NativeEngine(video, options)
  return null
}

// How many times a fatal error of each kind is retried before giving up (PeerTube does about the same).
const MAX_NETWORK_RECOVERIES = 5
const MAX_MEDIA_RECOVERIES = 2
const PRELOAD_BUFFER_SECONDS = 4
const PLAYING_BUFFER_SECONDS = 30

class HlsJsEngine implements Engine {
  readonly name = 'hls.js' as const
  readonly events = new Emitter<EngineEvents>()
  levels: Level[] = []
  playingLevel = -1
  manualLevel = -1

  private readonly hls: Hls
  private manifestParsed = false
  private networkRecoveries = 0
  private mediaRecoveries = 0
  private retryTimer: number | undefined
  private readonly pool: SourcePool | null

  constructor (private readonly video: HTMLVideoElement, options: EngineOptions) {
    const token = options.videoFileToken
    const config: Partial<HlsConfig> = {
      startPosition: options.startPosition ?? -1,
      // Past playback is rarely sought back into; keeping 90 s bounds memory on long videos.
      backBufferLength: 90,
      // Before the first play, fetch just enough for a quick start, not 30 s of video on every
      // page view; raised to hls.js' default once the viewer presses play (below).
      maxBufferLength: PRELOAD_BUFFER_SECONDS,
      ...liveHlsConfig(options.latencyMode, !!options.p2p)
    }
    if (token) {
      // Every request (master, media playlists, init segments, fragments) needs the token:
      // xhrSetup sees the final absolute URL; opening the XHR ourselves makes hls.js keep it.
      config.xhrSetup = (xhr, url) => { xhr.open('GET', withFileToken(url, token), true) }
    }
    // Copies on other instances share the HTTP requests, and take them all when the origin is down.
    const mirrors = options.mirrors ?? []
    this.pool = mirrors.length > 0 ? new SourcePool(options.src, mirrors) : null
    const http = this.pool ? multiSourceLoader(this.pool, Hls.DefaultConfig.loader) : Hls.DefaultConfig.loader
    if (this.pool) config.loader = http
    const p2p = options.p2p ?? null
    if (p2p) {
      // Media fragments ask the cache and the peers first; the HTTP loader (with xhrSetup) does the rest.
      config.fLoader = p2pFragmentLoader(p2p, http)
    }
    this.hls = new Hls(config)

    this.hls.on(Events.MANIFEST_PARSED, (_e, data) => {
      this.manifestParsed = true
      this.levels = data.levels.map((l, index) => ({
        index, height: l.height, width: l.width, bitrate: l.bitrate, label: levelLabel(l.height)
      }))
      this.events.emit('ready', this.levels)
    })
    this.hls.on(Events.LEVEL_SWITCHED, (_e, data) => {
      this.playingLevel = data.level
      this.events.emit('levelSwitched', data.level)
    })
    this.hls.on(Events.LEVEL_LOADED, (_e, data) => { if (data.details.live) this.events.emit('live', undefined) })
    this.hls.on(Events.FRAG_LOADED, () => { this.networkRecoveries = 0 })
    this.hls.on(Events.FRAG_BUFFERED, () => { this.mediaRecoveries = 0 })
    this.hls.on(Events.ERROR, (_e, data) => this.onError(data))

    video.addEventListener('play', () => { this.hls.config.maxBufferLength = PLAYING_BUFFER_SECONDS }, { once: true })

    // Before loadSource: the manager joins a swarm on the first LEVEL_LOADING.
    p2p?.attach(this.hls)
    this.hls.attachMedia(video)
    this.hls.loadSource(options.src)
  }

  setLevel (index: number): void {
    if (index >= this.levels.length) return
    this.manualLevel = index < 0 ? -1 : index
    if (this.manualLevel === -1) {
      // Back to ABR without flushing what is buffered: the next fragment follows the estimate.
      this.hls.nextLevel = -1
    } else {
      // currentLevel flushes the buffer and fetches the chosen rendition at once, so the viewer
      // sees the new quality now, not after the buffered 30 s run out.
      this.hls.currentLevel = this.manualLevel
    }
    this.events.emit('manualLevelChanged', this.manualLevel)
  }

  bandwidthEstimate (): number | null {
    const bw = this.hls.bandwidthEstimate
    return Number.isFinite(bw) && bw > 0 ? bw : null
  }

  liveEdge (): LiveEdge | null {
    const details = this.hls.levels[this.hls.currentLevel]?.details ?? this.hls.levels[0]?.details
    const sync = this.hls.liveSyncPosition
    if (!details?.live || sync === null || !Number.isFinite(sync)) return null
    return { latency: this.hls.latency, target: this.hls.targetLatency ?? 0, syncPosition: sync }
  }

  sources (): SourceStats[] { return this.pool?.stats() ?? [] }

  destroy (): void {
    window.clearTimeout(this.retryTimer)
    this.hls.destroy()
  }

  /** hls.js already retried the request by itself before a fatal error reaches us. */
  private onError (data: ErrorData): void {
    if (!data.fatal) return
    console.warn('player: hls.js fatal error', data.type, data.details)

    if (data.type === ErrorTypes.NETWORK_ERROR) {
      // Without a parsed manifest there is nothing to resume: the playlist is missing or forbidden.
      if (!this.manifestParsed) return this.fail(manifestErrorMessage(data))
      if (navigator.onLine === false || this.networkRecoveries < MAX_NETWORK_RECOVERIES) {
        this.networkRecoveries++
        window.clearTimeout(this.retryTimer)
        this.retryTimer = window.setTimeout(() => this.hls.startLoad(), 1000)
        return
      }
      return this.fail('A network error stopped the video. Check your connection and reload the page.')
    }

    if (data.type === ErrorTypes.MEDIA_ERROR && data.details !== ErrorDetails.MANIFEST_INCOMPATIBLE_CODECS_ERROR) {
      // The usual recipe: recover once; then swap the audio codec and recover; then give up.
      this.mediaRecoveries++
      if (this.mediaRecoveries === 1) return this.hls.recoverMediaError()
      if (this.mediaRecoveries === MAX_MEDIA_RECOVERIES) {
        this.hls.swapAudioCodec()
        return this.hls.recoverMediaError()
      }
      return this.fail('This video cannot be decoded by your browser.')
    }

    if (data.details === ErrorDetails.MANIFEST_INCOMPATIBLE_CODECS_ERROR) {
      return this.fail('Your browser cannot play the formats of this video.')
    }
    this.fail(`The video cannot be played (${data.details}).`)
  }

  private fail (message: string): void {
    window.clearTimeout(this.retryTimer)
    this.hls.destroy()
    this.events.emit('fatal', message)
  }
}

function manifestErrorMessage (data: ErrorData): string {
  const status = data.response?.code
  if (status === 401 || status === 403) return 'You are not allowed to watch this video.'
  if (status === 404) return 'This video file was not found.'
  return 'The video could not be loaded.'
}

/** iOS Safari (and plain MP4 files): the browser plays the source itself and picks levels on its own. */
class NativeEngine implements Engine {
  readonly name = 'native' as const
  readonly events = new Emitter<EngineEvents>()
  readonly levels: Level[] = []
  readonly playingLevel = -1
  readonly manualLevel = -1

  private readonly onMetadata = (): void => {
    if (this.startPosition !== null) this.video.currentTime = this.startPosition
    this.events.emit('ready', this.levels)
  }

  private readonly onError = (): void => {
    const code = this.video.error?.code
    this.events.emit('fatal', code === MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED
      ? 'The video could not be loaded.'
      : 'The video cannot be played.')
  }

  private readonly startPosition: number | null

  constructor (private readonly video: HTMLVideoElement, options: EngineOptions) {
    this.startPosition = options.startPosition
    video.addEventListener('loadedmetadata', this.onMetadata, { once: true })
    video.addEventListener('error', this.onError)
    // Native HLS gives no hook on requests: the token can only go on the master playlist URL.
    // Segments of private videos play natively only if the server puts tokens in its playlists.
    video.src = withFileToken(options.src, options.videoFileToken)
  }

  setLevel (): void { /* the browser chooses */ }

  bandwidthEstimate (): number | null { return null }

  liveEdge (): LiveEdge | null { return null }

  sources (): SourceStats[] { return [] }

  destroy (): void {
    this.video.removeEventListener('loadedmetadata', this.onMetadata)
    this.video.removeEventListener('error', this.onError)
    this.video.removeAttribute('src')
    this.video.load()
  }
}

class ProgressiveEngine implements Engine {
  readonly name = 'progressive' as const
  readonly events = new Emitter<EngineEvents>()
  readonly levels: Level[]
  playingLevel = -1
  manualLevel = -1

  private readonly urls: string[]
  private readonly preferred: number
  private readonly onError = (): void => {
    this.events.emit('fatal', this.video.error?.code === MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED
      ? 'The video could not be loaded.'
      : 'The video cannot be played.')
  }

  constructor (private readonly video: HTMLVideoElement, options: EngineOptions, files: ReadonlyArray<{ height: number, url: string }>) {
    const all = files.length > 0 ? files : [{ height: 0, url: options.src }]
    this.urls = all.map(f => f.url)
    this.levels = all.map((f, index) => ({ index, height: f.height, width: 0, bitrate: 0, label: levelLabel(f.height) }))
    this.preferred = Math.max(0, this.urls.indexOf(options.src))
    video.addEventListener('error', this.onError)
    this.load(this.preferred, options.startPosition, false, () => this.events.emit('ready', this.levels))
  }

  setLevel (index: number): void {
    const target = index === -1 ? this.preferred : index
    if (!this.levels[target]) return
    this.manualLevel = index
    this.events.emit('manualLevelChanged', index)
    if (target !== this.playingLevel) this.load(target, this.video.currentTime, !this.video.paused)
  }

  private load (index: number, position: number | null, resume: boolean, then?: () => void): void {
    this.video.addEventListener('loadedmetadata', () => {
      if (position !== null && position > 0) this.video.currentTime = position
      if (resume) void this.video.play().catch(() => { /* the viewer presses play again */ })
      this.playingLevel = index
      this.events.emit('levelSwitched', index)
      then?.()
    }, { once: true })
    this.video.src = this.urls[index]
  }

  bandwidthEstimate (): number | null { return null }

  liveEdge (): LiveEdge | null { return null }

  sources (): SourceStats[] { return [] }

  destroy (): void {
    this.video.removeEventListener('error', this.onError)
    this.video.removeAttribute('src')
    this.video.load()
  }
}
