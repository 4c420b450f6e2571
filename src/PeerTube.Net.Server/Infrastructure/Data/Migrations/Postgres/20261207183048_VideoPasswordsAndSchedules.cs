using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class VideoPasswordsAndSchedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "OriginallyPublishedAt",
                table: "Videos",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ScheduledPrivacy",
                table: "Videos",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ScheduledUpdateAt",
                table: "Videos",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "VideoPasswords",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    VideoId = table.Column<int>(type: "integer", nullable: false),
                    Password = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VideoPasswords", x => x.Id);
                    table.ForeignKey(
                        name: "FK_VideoPasswords_Videos_VideoId",
                        column: x => x.VideoId,
                        principalTable: "Videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Videos_ScheduledUpdateAt",
                table: "Videos",
                column: "ScheduledUpdateAt");

            migrationBuilder.CreateIndex(
                name: "IX_VideoPasswords_VideoId_Password",
                table: "VideoPasswords",
                columns: new[] { "VideoId", "Password" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "VideoPasswords");

            migrationBuilder.DropIndex(
                name: "IX_Videos_ScheduledUpdateAt",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "OriginallyPublishedAt",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "ScheduledPrivacy",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "ScheduledUpdateAt",
                table: "Videos");
        }
    }
}
