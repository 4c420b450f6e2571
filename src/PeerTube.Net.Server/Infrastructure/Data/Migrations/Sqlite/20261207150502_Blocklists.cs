using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Blocklists : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BlocklistSubscriptions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    LastSyncAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastActionCreatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BlocklistSubscriptions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AccountBlocks",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ByUserId = table.Column<int>(type: "INTEGER", nullable: true),
                    TargetAccountId = table.Column<int>(type: "INTEGER", nullable: false),
                    SubscriptionId = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AccountBlocks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AccountBlocks_Accounts_TargetAccountId",
                        column: x => x.TargetAccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AccountBlocks_BlocklistSubscriptions_SubscriptionId",
                        column: x => x.SubscriptionId,
                        principalTable: "BlocklistSubscriptions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AccountBlocks_Users_ByUserId",
                        column: x => x.ByUserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "BlocklistLog",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ByUserId = table.Column<int>(type: "INTEGER", nullable: true),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 600, nullable: false),
                    SubscriptionId = table.Column<int>(type: "INTEGER", nullable: true),
                    AutomaticallyCreated = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BlocklistLog", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BlocklistLog_BlocklistSubscriptions_SubscriptionId",
                        column: x => x.SubscriptionId,
                        principalTable: "BlocklistSubscriptions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "ServerBlocks",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ByUserId = table.Column<int>(type: "INTEGER", nullable: true),
                    Host = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    SubscriptionId = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServerBlocks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ServerBlocks_BlocklistSubscriptions_SubscriptionId",
                        column: x => x.SubscriptionId,
                        principalTable: "BlocklistSubscriptions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ServerBlocks_Users_ByUserId",
                        column: x => x.ByUserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AccountBlocks_ByUserId",
                table: "AccountBlocks",
                column: "ByUserId");

            migrationBuilder.CreateIndex(
                name: "IX_AccountBlocks_SubscriptionId",
                table: "AccountBlocks",
                column: "SubscriptionId");

            migrationBuilder.CreateIndex(
                name: "IX_AccountBlocks_TargetAccountId_ByUserId",
                table: "AccountBlocks",
                columns: new[] { "TargetAccountId", "ByUserId" });

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistLog_ByUserId_CreatedAt",
                table: "BlocklistLog",
                columns: new[] { "ByUserId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistLog_SubscriptionId",
                table: "BlocklistLog",
                column: "SubscriptionId");

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistSubscriptions_Url",
                table: "BlocklistSubscriptions",
                column: "Url",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ServerBlocks_ByUserId",
                table: "ServerBlocks",
                column: "ByUserId");

            migrationBuilder.CreateIndex(
                name: "IX_ServerBlocks_Host_ByUserId",
                table: "ServerBlocks",
                columns: new[] { "Host", "ByUserId" });

            migrationBuilder.CreateIndex(
                name: "IX_ServerBlocks_SubscriptionId",
                table: "ServerBlocks",
                column: "SubscriptionId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AccountBlocks");

            migrationBuilder.DropTable(
                name: "BlocklistLog");

            migrationBuilder.DropTable(
                name: "ServerBlocks");

            migrationBuilder.DropTable(
                name: "BlocklistSubscriptions");
        }
    }
}
