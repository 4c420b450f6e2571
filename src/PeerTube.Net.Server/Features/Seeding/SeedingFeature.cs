namespace PeerTube.Net.Server.Features.Seeding;

// Placeholder so Program.cs compiles while the seeder is being written; replaced by the real feature.
public static class SeedingFeature
{
    public static WebApplicationBuilder AddSeeding(this WebApplicationBuilder builder) => builder;
}
