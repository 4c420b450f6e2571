namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>
/// The remote peer broke the peer wire protocol (BEP 3 / BEP 6): a garbage handshake, a length no honest peer
/// sends, a malformed message. The connection cannot be trusted any further and should be closed.
/// </summary>
public sealed class PeerWireException(string message) : Exception(message);
