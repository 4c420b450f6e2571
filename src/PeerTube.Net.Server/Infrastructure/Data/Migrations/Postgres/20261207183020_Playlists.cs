using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Playlists : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "VideoPlaylists",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Uuid = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    Description = table.Column<string>(type: "text", nullable: true),
                    Privacy = table.Column<int>(type: "integer", nullable: false),
                    Type = table.Column<int>(type: "integer", nullable: false),
                    OwnerAccountId = table.Column<int>(type: "integer", nullable: false),
                    ChannelId = table.Column<int>(type: "integer", nullable: true),
                    ThumbnailFilename = table.Column<string>(type: "text", nullable: true),
                    RemoteUrl = table.Column<string>(type: "text", nullable: true),
                    RemoteThumbnailUrl = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VideoPlaylists", x => x.Id);
                    table.ForeignKey(
                        name: "FK_VideoPlaylists_Accounts_OwnerAccountId",
                        column: x => x.OwnerAccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_VideoPlaylists_VideoChannels_ChannelId",
                        column: x => x.ChannelId,
                        principalTable: "VideoChannels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "VideoPlaylistElements",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PlaylistId = table.Column<int>(type: "integer", nullable: false),
                    VideoId = table.Column<int>(type: "integer", nullable: true),
                    Position = table.Column<int>(type: "integer", nullable: false),
                    StartTimestamp = table.Column<int>(type: "integer", nullable: true),
                    StopTimestamp = table.Column<int>(type: "integer", nullable: true),
                    RemoteUrl = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VideoPlaylistElements", x => x.Id);
                    table.ForeignKey(
                        name: "FK_VideoPlaylistElements_VideoPlaylists_PlaylistId",
                        column: x => x.PlaylistId,
                        principalTable: "VideoPlaylists",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_VideoPlaylistElements_Videos_VideoId",
                        column: x => x.VideoId,
                        principalTable: "Videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_VideoPlaylistElements_PlaylistId_Position",
                table: "VideoPlaylistElements",
                columns: new[] { "PlaylistId", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_VideoPlaylistElements_RemoteUrl",
                table: "VideoPlaylistElements",
                column: "RemoteUrl");

            migrationBuilder.CreateIndex(
                name: "IX_VideoPlaylistElements_VideoId",
                table: "VideoPlaylistElements",
                column: "VideoId");

            migrationBuilder.CreateIndex(
                name: "IX_VideoPlaylists_ChannelId",
                table: "VideoPlaylists",
                column: "ChannelId");

            migrationBuilder.CreateIndex(
                name: "IX_VideoPlaylists_OwnerAccountId_Type",
                table: "VideoPlaylists",
                columns: new[] { "OwnerAccountId", "Type" });

            migrationBuilder.CreateIndex(
                name: "IX_VideoPlaylists_RemoteUrl",
                table: "VideoPlaylists",
                column: "RemoteUrl",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_VideoPlaylists_Uuid",
                table: "VideoPlaylists",
                column: "Uuid",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "VideoPlaylistElements");

            migrationBuilder.DropTable(
                name: "VideoPlaylists");
        }
    }
}
