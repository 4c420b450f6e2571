namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>Message ids of BEP 3 and BEP 6 (and BEP 5's port, BEP 10's extended, which are only framed).</summary>
public enum PeerMessageType
{
    /// <summary>A zero-length message; not an id on the wire.</summary>
    KeepAlive = -1,

    Choke = 0,
    Unchoke = 1,
    Interested = 2,
    NotInterested = 3,
    Have = 4,
    Bitfield = 5,
    Request = 6,
    Piece = 7,
    Cancel = 8,
    Port = 9,
    Suggest = 0x0D,
    HaveAll = 0x0E,
    HaveNone = 0x0F,
    RejectRequest = 0x10,
    AllowedFast = 0x11,
    Extended = 20,
}
