using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Postgres
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
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Reason = table.Column<string>(type: "character varying(3000)", maxLength: 3000, nullable: false),
                    PredefinedReasons = table.Column<string>(type: "text", nullable: false),
                    ReporterAccountId = table.Column<int>(type: "integer", nullable: true),
                    VideoId = table.Column<int>(type: "integer", nullable: true),
                    CommentId = table.Column<int>(type: "integer", nullable: true),
                    FlaggedAccountId = table.Column<int>(type: "integer", nullable: false),
                    StartAt = table.Column<int>(type: "integer", nullable: true),
                    EndAt = table.Column<int>(type: "integer", nullable: true),
                    State = table.Column<int>(type: "integer", nullable: false),
                    ModerationComment = table.Column<string>(type: "text", nullable: true),
                    RemoteUrl = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
