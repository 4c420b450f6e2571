using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LiveSessionReplays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ReplayPrivacy",
                table: "LiveSessions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ReplayVideoId",
                table: "LiveSessions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "SaveReplay",
                table: "LiveSessions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "IX_LiveSessions_ReplayVideoId",
                table: "LiveSessions",
                column: "ReplayVideoId");

            migrationBuilder.AddForeignKey(
                name: "FK_LiveSessions_Videos_ReplayVideoId",
                table: "LiveSessions",
                column: "ReplayVideoId",
                principalTable: "Videos",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_LiveSessions_Videos_ReplayVideoId",
                table: "LiveSessions");

            migrationBuilder.DropIndex(
                name: "IX_LiveSessions_ReplayVideoId",
                table: "LiveSessions");

            migrationBuilder.DropColumn(
                name: "ReplayPrivacy",
                table: "LiveSessions");

            migrationBuilder.DropColumn(
                name: "ReplayVideoId",
                table: "LiveSessions");

            migrationBuilder.DropColumn(
                name: "SaveReplay",
                table: "LiveSessions");
        }
    }
}
