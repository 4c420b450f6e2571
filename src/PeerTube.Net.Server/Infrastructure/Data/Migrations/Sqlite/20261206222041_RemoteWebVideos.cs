using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RemoteWebVideos : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "RemoteWebVideosJson",
                table: "Videos",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RemoteWebVideosJson",
                table: "Videos");
        }
    }
}
