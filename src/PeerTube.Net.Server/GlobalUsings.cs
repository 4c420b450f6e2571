// The ground floor, which every feature may use: the infrastructure and the video model.
global using PeerTube.Net.Server.Features.Videos;
global using PeerTube.Net.Server.Infrastructure.Auth;
global using PeerTube.Net.Server.Infrastructure.Data;
global using PeerTube.Net.Server.Infrastructure.Errors;
global using PeerTube.Net.Server.Infrastructure.Hosting;
global using PeerTube.Net.Server.Infrastructure.Paging;
global using PeerTube.Net.Server.Infrastructure.Storage;
global using PeerTube.Net.Server.Infrastructure.Text;
