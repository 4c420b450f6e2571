using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WatchedWords : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AutomaticTagPolicies",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AccountId = table.Column<int>(type: "INTEGER", nullable: true),
                    Tag = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Policy = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AutomaticTagPolicies", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AutomaticTagPolicies_Accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CommentAutomaticTags",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CommentId = table.Column<int>(type: "INTEGER", nullable: false),
                    AccountId = table.Column<int>(type: "INTEGER", nullable: true),
                    Tag = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CommentAutomaticTags", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CommentAutomaticTags_Accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CommentAutomaticTags_VideoComments_CommentId",
                        column: x => x.CommentId,
                        principalTable: "VideoComments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "WatchedWordsLists",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AccountId = table.Column<int>(type: "INTEGER", nullable: true),
                    ListName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Words = table.Column<string>(type: "TEXT", maxLength: 51502, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WatchedWordsLists", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WatchedWordsLists_Accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AutomaticTagPolicies_AccountId_Policy",
                table: "AutomaticTagPolicies",
                columns: new[] { "AccountId", "Policy" });

            migrationBuilder.CreateIndex(
                name: "IX_CommentAutomaticTags_AccountId",
                table: "CommentAutomaticTags",
                column: "AccountId");

            migrationBuilder.CreateIndex(
                name: "IX_CommentAutomaticTags_CommentId_AccountId",
                table: "CommentAutomaticTags",
                columns: new[] { "CommentId", "AccountId" });

            migrationBuilder.CreateIndex(
                name: "IX_CommentAutomaticTags_Tag",
                table: "CommentAutomaticTags",
                column: "Tag");

            migrationBuilder.CreateIndex(
                name: "IX_WatchedWordsLists_AccountId_ListName",
                table: "WatchedWordsLists",
                columns: new[] { "AccountId", "ListName" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AutomaticTagPolicies");

            migrationBuilder.DropTable(
                name: "CommentAutomaticTags");

            migrationBuilder.DropTable(
                name: "WatchedWordsLists");
        }
    }
}
