// A playlist embed (data-playlist on the mount): each item carries its own player configuration; the player plays
// them in order in place, so the embed API's channel with the host page survives from one video to the next
// (PeerTube's embed plays a playlist the same way). Positions are the elements' positions in the playlist.
import { readConfig } from './config'
import type { PlayerCore } from './core'
import { mountPlayer } from './ui'

export interface PlaylistControl {
  /** The playing element's position in the playlist (from 1). */
  readonly position: number
  next: () => boolean
  previous: () => boolean
}

interface Item { position: number, config: unknown }

/** Null when the mount has no (valid) data-playlist. */
export function readPlaylist (mount: HTMLElement): { items: Item[], index: number } | null {
  const text = mount.dataset.playlist
  if (!text) return null
  try {
    const raw = JSON.parse(text) as { index?: unknown, items?: unknown }
    const items = Array.isArray(raw.items)
      ? (raw.items as Array<{ position?: unknown, config?: unknown }>)
          .filter(i => typeof i?.position === 'number' && i.config && typeof i.config === 'object')
          .map(i => ({ position: i.position as number, config: i.config }))
      : []
    if (items.length === 0) return null
    const index = typeof raw.index === 'number' ? Math.min(items.length - 1, Math.max(0, raw.index)) : 0
    return { items, index }
  } catch {
    return null
  }
}

export class PlaylistPlayer implements PlaylistControl {
  core: PlayerCore
  private index: number

  constructor (
    private readonly mount: HTMLElement,
    private readonly items: Item[],
    index: number,
    /** Told of each new video's core (the embed API follows it). */
    private readonly onCore: (core: PlayerCore) => void
  ) {
    this.index = index
    this.core = this.mountAt(index)
  }

  get position (): number {
    return this.items[this.index]!.position
  }

  next (): boolean {
    return this.go(this.index + 1)
  }

  previous (): boolean {
    return this.go(this.index - 1)
  }

  private go (index: number): boolean {
    if (index < 0 || index >= this.items.length) return false
    const old = this.core
    old.engine?.destroy()
    old.p2p?.destroy()
    old.video.pause()
    this.index = index
    this.core = this.mountAt(index)
    this.onCore(this.core)
    return true
  }

  private mountAt (index: number): PlayerCore {
    this.mount.dataset.config = JSON.stringify(this.items[index]!.config)
    const core = mountPlayer(this.mount, readConfig(this.mount))
    core.video.addEventListener('ended', () => { this.next() }, { once: true })
    return core
  }
}
