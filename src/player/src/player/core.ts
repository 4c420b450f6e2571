// The player's state, between the engine (hls.js / native) and the UI + Embed API.
// It owns the <video>, turns the embed options into behaviour (start, stop, loop, autoplay...) and
// writes the attributes of the contract on #pt-player (data-pt-ready, data-pt-level).
import { PUBLISHED_STATE, type PlayerConfig } from './config'
import { Emitter } from './emitter'
import { createEngine, createProgressiveEngine, type Engine, type Level } from './engine'
import { P2PManager } from '../p2p/manager'
import { loadResumePosition, trackResumePosition } from './resume'
import { trackView } from './views'
import { trackLiveViewers } from './live-viewers'

export const PLAYBACK_RATES: readonly number[] = [0.5, 0.75, 1, 1.25, 1.5, 2]

export interface CoreEvents extends Record<string, unknown> {
  /** The master playlist is parsed: the levels are known and playback can start. */
  ready: undefined
  /** The levels or the playing / chosen level changed. */
  levels: undefined
  /** Playback cannot go on (message for the viewer). */
  error: string
  /** play() was refused by the browser's autoplay policy. */
  playBlocked: undefined
}

export class PlayerCore {
  readonly events = new Emitter<CoreEvents>()
  engine: Engine | null = null
  /** Peer-to-peer segments; null when off (admin, ?p2p=0, native HLS, no WebRTC). */
  p2p: P2PManager | null = null
  isReady = false
  /** Set by the first 'play': before it, the big play button and poster are shown. */
  started = false
  errorMessage: string | null = null

  constructor (
    readonly root: HTMLElement,
    readonly video: HTMLVideoElement,
    readonly config: PlayerConfig
  ) {}

  get published (): boolean {
    return this.config.state === PUBLISHED_STATE
  }

  get levels (): readonly Level[] {
    return this.engine?.levels ?? []
  }

  /** Index of the rendition now playing, or -1. */
  get playingLevel (): number {
    return this.engine?.playingLevel ?? -1
  }

  /** Index chosen by the viewer, or -1 for automatic. */
  get manualLevel (): number {
    return this.engine?.manualLevel ?? -1
  }

  /** A live's distance to its edge, for the bench and the "back to live" button; null when not live. */
  liveEdge (): { latency: number, target: number, syncPosition: number } | null {
    return this.engine?.liveEdge() ?? null
  }

  /** A live viewer is more than a segment (or 4 s) further behind the edge than their latency mode aims at, or paused. */
  behindLive (): boolean {
    const edge = this.liveEdge()
    if (!edge) return false
    return this.video.paused ? this.started : edge.latency > edge.target + 4
  }

  /** Back to the live edge (the latency mode's distance to it), playing. */
  goLive (): void {
    const edge = this.liveEdge()
    if (!edge) return
    this.video.currentTime = edge.syncPosition
    void this.video.play().catch(() => this.events.emit('playBlocked', undefined))
  }

  /** Attaches the engine and applies the embed options. Does nothing for unpublished videos. */
  start (): void {
    const { config, video } = this
    const options = config.options
    video.muted = options.muted
    video.loop = options.loop
    video.playsInline = true
    if (config.posterUrl) video.poster = config.posterUrl
    video.addEventListener('play', () => { this.started = true }, { once: true })

    if (!this.published) return
    if (!config.hlsUrl && !config.webVideoUrl) return this.fail('This video has no playable file.')

    // An explicit ?start= wins over the saved position; the saved one is only for this viewer's comfort.
    const startPosition = options.start ?? loadResumePosition(config.uuid, config.duration)
    const start = startPosition !== null && startPosition > 0 ? startPosition : null
    const p2p = config.hlsUrl ? this.createP2P() : null
    const engine = config.hlsUrl
      ? createEngine(video, { src: config.hlsUrl, videoFileToken: config.videoFileToken, startPosition: start, p2p, mirrors: config.mirrors, latencyMode: config.latencyMode })
      : createProgressiveEngine(video, { src: config.webVideoUrl!, videoFileToken: null, startPosition: start }, config.webVideos)
    if (!engine) return this.fail('Your browser cannot play HLS videos.')
    this.engine = engine
    // Only hls.js takes fragments from peers; the manager never connected otherwise.
    this.p2p = engine.name === 'hls.js' ? p2p : null

    engine.events.on('ready', () => this.onReady())
    engine.events.on('levelSwitched', index => {
      const level = engine.levels[index]
      if (level) this.root.dataset.ptLevel = String(level.height)
      this.events.emit('levels', undefined)
    })
    engine.events.on('manualLevelChanged', () => this.events.emit('levels', undefined))
    engine.events.on('fatal', message => this.fail(message))
    // The controls show a LIVE badge from this attribute (player.css).
    engine.events.on('live', () => {
      if (this.root.dataset.ptLive !== 'true') trackLiveViewers(this)
      this.root.dataset.ptLive = 'true'
    })

    // Native HLS has no LEVEL_SWITCHED: the picture's height is the best we know.
    if (engine.name === 'native') {
      video.addEventListener('resize', () => {
        if (video.videoHeight > 0) this.root.dataset.ptLevel = String(video.videoHeight)
      })
    }

    if (options.start === null) trackResumePosition(video, config.uuid)
    trackView(video, config.viewsUrl)
    this.applyStop(options.stop)
  }

  /** P2P only when the server offers it, the embed did not say p2p=0, and the browser has WebRTC. */
  private createP2P (): P2PManager | null {
    const { config } = this
    const p2p = config.p2p
    if (!p2p?.enabled || !config.options.p2p) return null
    if (typeof RTCPeerConnection === 'undefined') return null
    try {
      return new P2PManager(p2p, this.video, this.root, config.uuid, config.segmentsSha256Url, config.videoFileToken)
    } catch (err) {
      console.info('p2p: off', err)
      return null
    }
  }

  setLevel (index: number): void {
    this.engine?.setLevel(index)
  }

  /** Starts playback; resolves false (and emits playBlocked) when the browser refuses. */
  async play (): Promise<boolean> {
    try {
      await this.video.play()
      return true
    } catch (err) {
      // NotAllowedError: autoplay policy. AbortError: a pause() or a new load came first, harmless.
      if (err instanceof DOMException && err.name === 'NotAllowedError') this.events.emit('playBlocked', undefined)
      return false
    }
  }

  togglePlay (): void {
    if (this.video.paused || this.video.ended) void this.play()
    else this.video.pause()
  }

  seek (seconds: number): void {
    const duration = this.duration()
    const max = duration > 0 ? duration : Infinity
    this.video.currentTime = Math.min(Math.max(0, seconds), max)
  }

  /** The media's duration once known, else the server's figure. */
  duration (): number {
    const d = this.video.duration
    return Number.isFinite(d) && d > 0 ? d : this.config.duration
  }

  fail (message: string): void {
    if (this.errorMessage !== null) return
    this.errorMessage = message
    this.events.emit('error', message)
  }

  private onReady (): void {
    if (this.isReady) return
    this.isReady = true
    this.root.dataset.ptReady = 'true'
    this.events.emit('ready', undefined)
    this.events.emit('levels', undefined)
    if (this.config.options.autoplay) void this.play()
  }

  /** ?stop=: pause once when the play head reaches it; the viewer may then play on. */
  private applyStop (stop: number | null): void {
    if (stop === null || stop <= 0) return
    let done = false
    this.video.addEventListener('timeupdate', () => {
      if (done || this.video.currentTime < stop) return
      done = true
      this.video.pause()
    })
  }
}
