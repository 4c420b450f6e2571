using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Postgres
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
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    LastSyncAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastActionCreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    State = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BlocklistSubscriptions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AccountBlocks",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ByUserId = table.Column<int>(type: "integer", nullable: true),
                    TargetAccountId = table.Column<int>(type: "integer", nullable: false),
                    SubscriptionId = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ByUserId = table.Column<int>(type: "integer", nullable: true),
                    Action = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Target = table.Column<string>(type: "character varying(600)", maxLength: 600, nullable: false),
                    SubscriptionId = table.Column<int>(type: "integer", nullable: true),
                    AutomaticallyCreated = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ByUserId = table.Column<int>(type: "integer", nullable: true),
                    Host = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    SubscriptionId = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
