using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SourceMetadata : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "SourceFps",
                table: "Videos",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SourceHeight",
                table: "Videos",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SourceResolution",
                table: "Videos",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SourceWidth",
                table: "Videos",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SourceFps",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "SourceHeight",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "SourceResolution",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "SourceWidth",
                table: "Videos");
        }
    }
}
