using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ChannelsAndActorImages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AutoPlayVideo",
                table: "Users",
                type: "boolean",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<string>(
                name: "NsfwPolicy",
                table: "Users",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "display");

            migrationBuilder.AddColumn<bool>(
                name: "P2PEnabled",
                table: "Users",
                type: "boolean",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<string>(
                name: "VideoLanguages",
                table: "Users",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ActorImages",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    AccountId = table.Column<int>(type: "integer", nullable: true),
                    ChannelId = table.Column<int>(type: "integer", nullable: true),
                    Type = table.Column<int>(type: "integer", nullable: false),
                    Filename = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Width = table.Column<int>(type: "integer", nullable: false),
                    Height = table.Column<int>(type: "integer", nullable: false),
                    RemoteUrl = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ActorImages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ActorImages_Accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ActorImages_VideoChannels_ChannelId",
                        column: x => x.ChannelId,
                        principalTable: "VideoChannels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ActorImages_AccountId",
                table: "ActorImages",
                column: "AccountId");

            migrationBuilder.CreateIndex(
                name: "IX_ActorImages_ChannelId",
                table: "ActorImages",
                column: "ChannelId");

            migrationBuilder.CreateIndex(
                name: "IX_ActorImages_Filename",
                table: "ActorImages",
                column: "Filename",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ActorImages");

            migrationBuilder.DropColumn(
                name: "AutoPlayVideo",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "NsfwPolicy",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "P2PEnabled",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "VideoLanguages",
                table: "Users");
        }
    }
}
