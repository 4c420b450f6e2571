using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PeerTube.Net.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Federation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "PendingRemoteViews",
                table: "Videos",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "RemotePlaylistUrl",
                table: "Videos",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemotePreviewUrl",
                table: "Videos",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemoteSegmentsSha256Url",
                table: "Videos",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemoteThumbnailUrl",
                table: "Videos",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemoteUrl",
                table: "Videos",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemoteFileUrl",
                table: "VideoFiles",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemoteMagnetUri",
                table: "VideoFiles",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemoteTorrentUrl",
                table: "VideoFiles",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Host",
                table: "VideoChannels",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemoteUrl",
                table: "VideoChannels",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Host",
                table: "Accounts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RemoteUrl",
                table: "Accounts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Actors",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Type = table.Column<int>(type: "INTEGER", nullable: false),
                    PreferredUsername = table.Column<string>(type: "TEXT", nullable: false),
                    Url = table.Column<string>(type: "TEXT", nullable: false),
                    Host = table.Column<string>(type: "TEXT", nullable: true),
                    InboxUrl = table.Column<string>(type: "TEXT", nullable: false),
                    SharedInboxUrl = table.Column<string>(type: "TEXT", nullable: true),
                    OutboxUrl = table.Column<string>(type: "TEXT", nullable: true),
                    FollowersUrl = table.Column<string>(type: "TEXT", nullable: true),
                    FollowingUrl = table.Column<string>(type: "TEXT", nullable: true),
                    KeyId = table.Column<string>(type: "TEXT", nullable: false),
                    PublicKeyPem = table.Column<string>(type: "TEXT", nullable: false),
                    PrivateKeyPem = table.Column<string>(type: "TEXT", nullable: true),
                    DisplayName = table.Column<string>(type: "TEXT", nullable: true),
                    Summary = table.Column<string>(type: "TEXT", nullable: true),
                    IconUrl = table.Column<string>(type: "TEXT", nullable: true),
                    ProfileUrl = table.Column<string>(type: "TEXT", nullable: true),
                    AccountId = table.Column<int>(type: "INTEGER", nullable: true),
                    ChannelId = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FetchedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Actors", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Actors_Accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Actors_VideoChannels_ChannelId",
                        column: x => x.ChannelId,
                        principalTable: "VideoChannels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "InboxActivities",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ActivityId = table.Column<string>(type: "TEXT", nullable: false),
                    Type = table.Column<string>(type: "TEXT", nullable: false),
                    ActorUrl = table.Column<string>(type: "TEXT", nullable: false),
                    Json = table.Column<string>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ProcessedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InboxActivities", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "UnreachableHosts",
                columns: table => new
                {
                    Host = table.Column<string>(type: "TEXT", nullable: false),
                    FailingSince = table.Column<long>(type: "INTEGER", nullable: false),
                    Dead = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UnreachableHosts", x => x.Host);
                });

            migrationBuilder.CreateTable(
                name: "VideoComments",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    VideoId = table.Column<int>(type: "INTEGER", nullable: false),
                    AccountId = table.Column<int>(type: "INTEGER", nullable: false),
                    InReplyToCommentId = table.Column<int>(type: "INTEGER", nullable: true),
                    ThreadId = table.Column<int>(type: "INTEGER", nullable: true),
                    Url = table.Column<string>(type: "TEXT", nullable: true),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DeletedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VideoComments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_VideoComments_Accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_VideoComments_VideoComments_InReplyToCommentId",
                        column: x => x.InReplyToCommentId,
                        principalTable: "VideoComments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_VideoComments_Videos_VideoId",
                        column: x => x.VideoId,
                        principalTable: "Videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "VideoRates",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    VideoId = table.Column<int>(type: "INTEGER", nullable: false),
                    AccountId = table.Column<int>(type: "INTEGER", nullable: false),
                    Like = table.Column<bool>(type: "INTEGER", nullable: false),
                    Url = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VideoRates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_VideoRates_Accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "Accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_VideoRates_Videos_VideoId",
                        column: x => x.VideoId,
                        principalTable: "Videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ActorFollows",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FollowerId = table.Column<int>(type: "INTEGER", nullable: false),
                    TargetId = table.Column<int>(type: "INTEGER", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    ActivityUrl = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ActorFollows", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ActorFollows_Actors_FollowerId",
                        column: x => x.FollowerId,
                        principalTable: "Actors",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ActorFollows_Actors_TargetId",
                        column: x => x.TargetId,
                        principalTable: "Actors",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Deliveries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SenderActorId = table.Column<int>(type: "INTEGER", nullable: false),
                    InboxUrl = table.Column<string>(type: "TEXT", nullable: false),
                    ActivityJson = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", nullable: true),
                    LeaseOwner = table.Column<string>(type: "TEXT", nullable: true),
                    LeaseExpiresAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Deliveries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Deliveries_Actors_SenderActorId",
                        column: x => x.SenderActorId,
                        principalTable: "Actors",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Videos_RemoteUrl",
                table: "Videos",
                column: "RemoteUrl",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_VideoChannels_RemoteUrl",
                table: "VideoChannels",
                column: "RemoteUrl",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Accounts_RemoteUrl",
                table: "Accounts",
                column: "RemoteUrl",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ActorFollows_FollowerId_TargetId",
                table: "ActorFollows",
                columns: new[] { "FollowerId", "TargetId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ActorFollows_TargetId",
                table: "ActorFollows",
                column: "TargetId");

            migrationBuilder.CreateIndex(
                name: "IX_Actors_AccountId",
                table: "Actors",
                column: "AccountId");

            migrationBuilder.CreateIndex(
                name: "IX_Actors_ChannelId",
                table: "Actors",
                column: "ChannelId");

            migrationBuilder.CreateIndex(
                name: "IX_Actors_KeyId",
                table: "Actors",
                column: "KeyId");

            migrationBuilder.CreateIndex(
                name: "IX_Actors_PreferredUsername_Host",
                table: "Actors",
                columns: new[] { "PreferredUsername", "Host" });

            migrationBuilder.CreateIndex(
                name: "IX_Actors_Url",
                table: "Actors",
                column: "Url",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_SenderActorId",
                table: "Deliveries",
                column: "SenderActorId");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_State_NextAttemptAt",
                table: "Deliveries",
                columns: new[] { "State", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_InboxActivities_ActivityId",
                table: "InboxActivities",
                column: "ActivityId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_InboxActivities_ProcessedAt",
                table: "InboxActivities",
                column: "ProcessedAt");

            migrationBuilder.CreateIndex(
                name: "IX_VideoComments_AccountId",
                table: "VideoComments",
                column: "AccountId");

            migrationBuilder.CreateIndex(
                name: "IX_VideoComments_InReplyToCommentId",
                table: "VideoComments",
                column: "InReplyToCommentId");

            migrationBuilder.CreateIndex(
                name: "IX_VideoComments_Url",
                table: "VideoComments",
                column: "Url",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_VideoComments_VideoId",
                table: "VideoComments",
                column: "VideoId");

            migrationBuilder.CreateIndex(
                name: "IX_VideoRates_AccountId",
                table: "VideoRates",
                column: "AccountId");

            migrationBuilder.CreateIndex(
                name: "IX_VideoRates_Url",
                table: "VideoRates",
                column: "Url");

            migrationBuilder.CreateIndex(
                name: "IX_VideoRates_VideoId_AccountId",
                table: "VideoRates",
                columns: new[] { "VideoId", "AccountId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ActorFollows");

            migrationBuilder.DropTable(
                name: "Deliveries");

            migrationBuilder.DropTable(
                name: "InboxActivities");

            migrationBuilder.DropTable(
                name: "UnreachableHosts");

            migrationBuilder.DropTable(
                name: "VideoComments");

            migrationBuilder.DropTable(
                name: "VideoRates");

            migrationBuilder.DropTable(
                name: "Actors");

            migrationBuilder.DropIndex(
                name: "IX_Videos_RemoteUrl",
                table: "Videos");

            migrationBuilder.DropIndex(
                name: "IX_VideoChannels_RemoteUrl",
                table: "VideoChannels");

            migrationBuilder.DropIndex(
                name: "IX_Accounts_RemoteUrl",
                table: "Accounts");

            migrationBuilder.DropColumn(
                name: "PendingRemoteViews",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "RemotePlaylistUrl",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "RemotePreviewUrl",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "RemoteSegmentsSha256Url",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "RemoteThumbnailUrl",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "RemoteUrl",
                table: "Videos");

            migrationBuilder.DropColumn(
                name: "RemoteFileUrl",
                table: "VideoFiles");

            migrationBuilder.DropColumn(
                name: "RemoteMagnetUri",
                table: "VideoFiles");

            migrationBuilder.DropColumn(
                name: "RemoteTorrentUrl",
                table: "VideoFiles");

            migrationBuilder.DropColumn(
                name: "Host",
                table: "VideoChannels");

            migrationBuilder.DropColumn(
                name: "RemoteUrl",
                table: "VideoChannels");

            migrationBuilder.DropColumn(
                name: "Host",
                table: "Accounts");

            migrationBuilder.DropColumn(
                name: "RemoteUrl",
                table: "Accounts");
        }
    }
}
