namespace PeerTube.Net.Server.Features.Seeding;

/// <summary>A peer the slots can choke and unchoke.</summary>
internal interface IChokeable
{
    void Choke();

    void Unchoke();
}

/// <summary>
/// Who is served: at most Seeding:UploadSlots interested peers are unchoked, across all torrents. The others wait in
/// arrival order; each <see cref="Rotate"/> the peer unchoked longest gives its slot to the peer waiting longest, so
/// everyone gets a turn. (A seeder has no download rates to reward, so plain round robin is fair.)
/// </summary>
internal sealed class UploadSlots(int slots)
{
    public static readonly TimeSpan RotationInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly List<IChokeable> _unchoked = [];
    private readonly List<IChokeable> _waiting = [];

    public int Unchoked
    {
        get
        {
            lock (_gate)
            {
                return _unchoked.Count;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    public void Interested(IChokeable peer)
    {
        lock (_gate)
        {
            if (_unchoked.Contains(peer) || _waiting.Contains(peer))
            {
                return;
            }

            _waiting.Add(peer);
            FillSlots();
        }
    }

    public void NotInterested(IChokeable peer)
    {
        lock (_gate)
        {
            if (_unchoked.Remove(peer))
            {
                peer.Choke();
                FillSlots();
            }
            else
            {
                _waiting.Remove(peer);
            }
        }
    }

    /// <summary>The peer is gone; its slot, if it had one, goes to the next in line.</summary>
    public void Remove(IChokeable peer)
    {
        lock (_gate)
        {
            if (_unchoked.Remove(peer))
            {
                FillSlots();
            }
            else
            {
                _waiting.Remove(peer);
            }
        }
    }

    public void Rotate()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0 || _unchoked.Count < slots)
            {
                return;
            }

            var longest = _unchoked[0];
            _unchoked.RemoveAt(0);
            longest.Choke();
            _waiting.Add(longest);
            FillSlots();
        }
    }

    private void FillSlots()
    {
        while (_unchoked.Count < slots && _waiting.Count > 0)
        {
            var next = _waiting[0];
            _waiting.RemoveAt(0);
            _unchoked.Add(next);
            next.Unchoke();
        }
    }
}
