using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LiveSessionNode : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "NodeId",
                table: "LiveSessions",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "NodeId",
                table: "LiveSessions");
        }
    }
}
