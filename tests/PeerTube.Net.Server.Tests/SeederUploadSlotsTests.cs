using PeerTube.Net.Server.Features.Seeding;

namespace PeerTube.Net.Server.Tests;

/// <summary>The seeder's choking: a fixed number of slots, handed round in turn.</summary>
public sealed class SeederUploadSlotsTests
{
    [Fact]
    public void Only_as_many_peers_as_slots_are_unchoked_and_the_rest_wait_in_arrival_order()
    {
        var slots = new UploadSlots(2);
        var (a, b, c, d) = (new Peer(), new Peer(), new Peer(), new Peer());

        slots.Interested(a);
        slots.Interested(b);
        slots.Interested(c);
        slots.Interested(d);
        slots.Interested(a); // said twice: still one slot

        Assert.Equal([false, false, true, true], new[] { a.Choked, b.Choked, c.Choked, d.Choked });
        Assert.Equal((2, 2), (slots.Unchoked, slots.Waiting));
        Assert.Equal(1, a.Unchokes);
    }

    [Fact]
    public void Each_rotation_moves_the_longest_served_slot_to_the_longest_waiting_peer()
    {
        var slots = new UploadSlots(2);
        var (a, b, c) = (new Peer(), new Peer(), new Peer());
        slots.Interested(a);
        slots.Interested(b);
        slots.Interested(c);

        slots.Rotate();
        Assert.Equal([true, false, false], new[] { a.Choked, b.Choked, c.Choked });

        slots.Rotate();
        Assert.Equal([false, true, false], new[] { a.Choked, b.Choked, c.Choked });

        slots.Rotate();
        Assert.Equal([false, false, true], new[] { a.Choked, b.Choked, c.Choked });
    }

    [Fact]
    public void Rotation_chokes_nobody_while_no_one_waits()
    {
        var slots = new UploadSlots(3);
        var (a, b) = (new Peer(), new Peer());
        slots.Interested(a);
        slots.Interested(b);

        slots.Rotate();

        Assert.False(a.Choked);
        Assert.False(b.Choked);
        Assert.Equal(0, a.Chokes + b.Chokes);
    }

    [Fact]
    public void A_peer_that_loses_interest_or_leaves_frees_its_slot_for_the_next()
    {
        var slots = new UploadSlots(1);
        var (a, b, c) = (new Peer(), new Peer(), new Peer());
        slots.Interested(a);
        slots.Interested(b);
        slots.Interested(c);

        slots.NotInterested(a);
        Assert.True(a.Choked);
        Assert.False(b.Choked);

        slots.Remove(b);
        Assert.False(c.Choked);
        Assert.Equal((1, 0), (slots.Unchoked, slots.Waiting));

        // A waiting peer that leaves is simply forgotten.
        slots.Interested(a);
        slots.Remove(a);
        Assert.Equal((1, 0), (slots.Unchoked, slots.Waiting));
    }

    private sealed class Peer : IChokeable
    {
        public bool Choked { get; private set; } = true;
        public int Chokes { get; private set; }
        public int Unchokes { get; private set; }

        public void Choke()
        {
            Choked = true;
            Chokes++;
        }

        public void Unchoke()
        {
            Choked = false;
            Unchokes++;
        }
    }
}
