// The tests see the whole server: every feature's entity sets (extension properties on AppDbContext) and its types.
global using PeerTube.Net.Server.Features.Accounts;
global using PeerTube.Net.Server.Features.Engagement;
global using PeerTube.Net.Server.Features.Federation;
global using PeerTube.Net.Server.Features.Moderation;
global using PeerTube.Net.Server.Features.Redundancy;
global using PeerTube.Net.Server.Features.Uploads;
global using PeerTube.Net.Server.Features.Videos;
global using PeerTube.Net.Server.Infrastructure.Data;
global using PeerTube.Net.Server.Infrastructure.Text;
