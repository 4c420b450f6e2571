using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Abuses : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Abuses",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 3000, nullable: false),
                    PredefinedReasons = table.Column<string>(type: "TEXT", nullable: false),
                    ReporterAccountId = table.Column<int>(type: "INTEGER", nullable: true),
                    VideoId = table.Column<int>(type: "INTEGER", nullable: true),
                    CommentId = table.Column<int>(type: "INTEGER", nullable: true),
                    FlaggedAccountId = table.Column<int>(type: "INTEGER", nullable: false),
                    StartAt = table.Column<int>(type: "INTEGER", nullable: true),
                    EndAt = table.Column<int>(type: "INTEGER", nullable: true),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    ModerationComment = table.Column<string>(type: "TEXT", nullable: true),
                    RemoteUrl = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Abuses", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Abuses_Accounts_FlaggedAccountId",
                        column: x => x.FlaggedAccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Abuses_Accounts_ReporterAccountId",
                        column: x => x.ReporterAccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_Abuses_VideoComments_CommentId",
                        column: x => x.CommentId,
                        principalTable: "VideoComments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_Abuses_Videos_VideoId",
                        column: x => x.VideoId,
                        principalTable: "Videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Abuses_CommentId",
                table: "Abuses",
                column: "CommentId");

            migrationBuilder.CreateIndex(
                name: "IX_Abuses_FlaggedAccountId",
                table: "Abuses",
                column: "FlaggedAccountId");

            migrationBuilder.CreateIndex(
                name: "IX_Abuses_RemoteUrl",
                table: "Abuses",
                column: "RemoteUrl",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Abuses_ReporterAccountId",
                table: "Abuses",
                column: "ReporterAccountId");

            migrationBuilder.CreateIndex(
                name: "IX_Abuses_State_CreatedAt",
                table: "Abuses",
                columns: new[] { "State", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Abuses_VideoId",
                table: "Abuses",
                column: "VideoId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Abuses");
        }
    }
}
