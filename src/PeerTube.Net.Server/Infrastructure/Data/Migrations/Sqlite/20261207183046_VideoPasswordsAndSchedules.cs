using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class VideoPasswordsAndSchedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "OriginallyPublishedAt",
                table: "Videos",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ScheduledPrivacy",
                table: "Videos",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ScheduledUpdateAt",
                table: "Videos",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "VideoPasswords",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    VideoId = table.Column<int>(type: "INTEGER", nullable: false),
                    Password = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
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
