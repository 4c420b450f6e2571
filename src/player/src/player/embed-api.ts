// The Embed API (?api=1): the same jschannel protocol as PeerTube's embed
// (client/src/standalone/videos/embed-api.ts), so @peertube/embed-api's PeerTubePlayer drives
// this player unchanged. Method names, notification names and payload shapes follow PeerTube.
import Channel, { type MessagingChannel } from 'jschannel'
import { PLAYBACK_RATES, type PlayerCore } from './core'
import type { PlaylistControl } from './playlist'

type PlaybackState = 'unstarted' | 'playing' | 'paused' | 'ended'

/** As @peertube/embed-api's PeerTubeResolution. */
export interface EmbedResolution {
  id: number
  label: string
  active: boolean
  height: number
  width?: number
}

const STATUS_INTERVAL_MS = 500

export class EmbedApi {
  private readonly channel: MessagingChannel
  private connected = false
  private state: PlaybackState = 'unstarted'

  constructor (private core: PlayerCore, private readonly playlist: PlaylistControl | null = null) {
    this.channel = Channel.build({
      window: window.parent,
      origin: '*',
      scope: 'peertube',
      // jschannel queues messages until both sides have said hello; the periodic status is
      // only worth sending once someone listens (else the queue would grow forever).
      onReady: () => { this.connected = true }
    })
    this.bindMethods()
    this.trackState()
  }

  /**
   * Only [id, label, active, height, width] like PeerTube, highest first. Unlike PeerTube's list
   * there is no "Auto" (-1) entry: when the quality is automatic, the rendition playing is the
   * active one; setResolution(-1) still selects auto.
   */
  resolutions (): EmbedResolution[] {
    const { levels, manualLevel, playingLevel } = this.core
    const active = manualLevel !== -1 ? manualLevel : playingLevel
    return [...levels]
      .sort((a, b) => b.height - a.height || b.bitrate - a.bitrate)
      .map(l => ({ id: l.index, label: l.label, active: l.index === active, height: l.height, width: l.width }))
  }

  private bindMethods (): void {
    const { channel } = this
    // this.core at each call: a playlist embed swaps it when it moves to another video.
    const core = (): PlayerCore => this.core
    const video = (): HTMLVideoElement => this.core.video

    // Handlers return plain values: jschannel sends the return value as the call's result.
    channel.bind('isReady', () => core().isReady)
    channel.bind('isPlaying', () => !video().paused && !video().ended)
    channel.bind('play', () => { void core().play() })
    channel.bind('pause', () => { video().pause() })
    channel.bind('seek', (_t, seconds: unknown) => { core().seek(Number(seconds)) })
    channel.bind('getCurrentTime', () => video().currentTime)

    channel.bind('getVolume', () => video().volume)
    channel.bind('setVolume', (_t, value: unknown) => {
      const v = Number(value)
      if (Number.isFinite(v)) video().volume = Math.min(1, Math.max(0, v))
    })

    channel.bind('getResolutions', () => this.resolutions())
    channel.bind('setResolution', (_t, id: unknown) => { core().setLevel(Number(id)) })

    channel.bind('getPlaybackRates', () => [...PLAYBACK_RATES])
    channel.bind('getPlaybackRate', () => video().playbackRate)
    channel.bind('setPlaybackRate', (_t, rate: unknown) => {
      const r = Number(rate)
      if (Number.isFinite(r) && r > 0) video().playbackRate = r
    })

    // No captions yet; answered so that callers don't time out.
    channel.bind('getCaptions', () => [])
    channel.bind('setCaption', () => undefined)

    // A single video is position 1 of 1; a playlist embed moves in its list (PeerTube's results: nothing, and the position).
    channel.bind('playNextVideo', () => { this.playlist?.next() })
    channel.bind('playPreviousVideo', () => { this.playlist?.previous() })
    channel.bind('getCurrentPosition', () => this.playlist?.position ?? 1)
  }

  /** A playlist embed's next video: the notifications now come from its player. */
  follow (core: PlayerCore): void {
    this.core = core
    this.watch(core)
    // The status updates start with the first video that gets ready, whichever it is.
    if (core.isReady) this.startUpdates()
    else core.events.on('ready', () => { this.startUpdates() })
  }

  private updatesStarted = false

  private trackState (): void {
    const { core } = this
    this.watch(core)
    if (core.isReady) this.startUpdates()
    else core.events.on('ready', () => { this.startUpdates() })
  }

  private startUpdates (): void {
    const { channel } = this
    channel.notify({ method: 'ready', params: true })
    if (this.updatesStarted) return
    this.updatesStarted = true
    window.setInterval(() => {
      if (!this.connected) return
      const current = this.core
      const duration = current.duration()
      channel.notify({
        method: 'playbackStatusUpdate',
        params: { position: current.video.currentTime, volume: current.video.volume, duration, playbackState: this.state }
      })
    }, STATUS_INTERVAL_MS)
  }

  /** The notifications of one video's player. */
  private watch (core: PlayerCore): void {
    const { channel } = this
    const video = core.video

    const change = (state: PlaybackState): void => {
      this.state = state
      channel.notify({ method: 'playbackStatusChange', params: state })
    }
    video.addEventListener('play', () => change('playing'))
    video.addEventListener('pause', () => { if (!video.ended) change('paused') })
    video.addEventListener('ended', () => change('ended'))

    video.addEventListener('volumechange', () => {
      channel.notify({ method: 'volumeChange', params: video.volume })
    })

    core.events.on('levels', () => {
      channel.notify({ method: 'resolutionUpdate', params: this.resolutions() })
    })
  }
}

/** Only inside a frame: jschannel refuses to talk to its own window. */
export function startEmbedApi (core: PlayerCore, playlist: PlaylistControl | null = null): EmbedApi | null {
  if (window.parent === window) return null
  try {
    return new EmbedApi(core, playlist)
  } catch (err) {
    console.error('player: the Embed API could not start', err)
    return null
  }
}
