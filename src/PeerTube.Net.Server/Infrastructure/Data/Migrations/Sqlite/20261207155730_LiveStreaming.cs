using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LiveStreaming : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "IsLive",
                table: "Videos",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "LiveSessions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    VideoId = table.Column<int>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Error = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LiveSessions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LiveSessions_Videos_VideoId",
                        column: x => x.VideoId,
                        principalTable: "Videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "LiveVideos",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    VideoId = table.Column<int>(type: "INTEGER", nullable: false),
                    StreamKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SaveReplay = table.Column<bool>(type: "INTEGER", nullable: false),
                    ReplayPrivacy = table.Column<int>(type: "INTEGER", nullable: true),
                    PermanentLive = table.Column<bool>(type: "INTEGER", nullable: false),
                    LatencyMode = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LiveVideos", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LiveVideos_Videos_VideoId",
                        column: x => x.VideoId,
                        principalTable: "Videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LiveSessions_VideoId_StartedAt",
                table: "LiveSessions",
                columns: new[] { "VideoId", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_LiveVideos_StreamKey",
                table: "LiveVideos",
                column: "StreamKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LiveVideos_VideoId",
                table: "LiveVideos",
                column: "VideoId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LiveSessions");

            migrationBuilder.DropTable(
                name: "LiveVideos");

            migrationBuilder.DropColumn(
                name: "IsLive",
                table: "Videos");
        }
    }
}
