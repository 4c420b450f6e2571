// The segments this viewer holds, to play again without a request and to serve to peers: a byte-bounded LRU.

/**
 * "{media file name}:{start}-{end}", the end inclusive, as the keys of segments-sha256.json (docs/p2p-contract.md). A
 * segment that is a whole file (live segments, not byte ranges) is its file name alone, as PeerTube's live
 * segments-sha256.json keys them.
 */
export function segmentId (file: string, start: number, endInclusive: number): string {
  return `${file}:${start}-${endInclusive}`
}

/** Splits a segment id back into the file name and the "start-end" key of segments-sha256.json. */
export function splitSegmentId (id: string): { file: string, range: string } | null {
  const at = id.lastIndexOf(':')
  if (at <= 0) return null
  const range = id.slice(at + 1)
  if (!/^\d+-\d+$/.test(range)) return null
  return { file: id.slice(0, at), range }
}

export class SegmentCache {
  private readonly entries = new Map<string, ArrayBuffer>()
  private bytes = 0

  constructor (private readonly maxBytes: number) {}

  has (id: string): boolean {
    return this.entries.has(id)
  }

  /** The segment, marked as the most recently used. */
  get (id: string): ArrayBuffer | undefined {
    const data = this.entries.get(id)
    if (data === undefined) return undefined
    this.entries.delete(id)
    this.entries.set(id, data)
    return data
  }

  /** Stores a copy-free reference; the caller must not change the buffer afterwards. Returns true when it is new. */
  put (id: string, data: ArrayBuffer): boolean {
    if (data.byteLength > this.maxBytes) return false
    const old = this.entries.get(id)
    if (old !== undefined) {
      this.entries.delete(id)
      this.bytes -= old.byteLength
    }
    this.entries.set(id, data)
    this.bytes += data.byteLength
    // Map iterates in insertion order: the first keys are the least recently used.
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(key)
      this.bytes -= value.byteLength
    }
    return old === undefined
  }

  ids (): string[] {
    return [...this.entries.keys()]
  }

  get size (): number {
    return this.bytes
  }
}
