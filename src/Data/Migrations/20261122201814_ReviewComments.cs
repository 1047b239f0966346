using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LayerLab.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReviewComments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Notes",
                table: "Runs",
                type: "TEXT",
                maxLength: 10000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReviewState",
                table: "Runs",
                type: "TEXT",
                maxLength: 24,
                nullable: false,
                defaultValue: "Unreviewed");

            migrationBuilder.CreateTable(
                name: "RunComments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    ParentId = table.Column<long>(type: "INTEGER", nullable: true),
                    AuthorId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    AuthorName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Body = table.Column<string>(type: "TEXT", maxLength: 10000, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EditedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunComments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RunComments_RunComments_ParentId",
                        column: x => x.ParentId,
                        principalTable: "RunComments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_RunComments_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RunReviewEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    ReviewerId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ReviewerName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    From = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    To = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 10000, nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunReviewEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RunReviewEvents_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RunTags",
                columns: table => new
                {
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    Tag = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunTags", x => new { x.RunId, x.Tag });
                    table.ForeignKey(
                        name: "FK_RunTags_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RunCommentMentions",
                columns: table => new
                {
                    CommentId = table.Column<long>(type: "INTEGER", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Handle = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunCommentMentions", x => new { x.CommentId, x.UserId });
                    table.ForeignKey(
                        name: "FK_RunCommentMentions_RunComments_CommentId",
                        column: x => x.CommentId,
                        principalTable: "RunComments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Runs_ReviewState",
                table: "Runs",
                column: "ReviewState");

            migrationBuilder.CreateIndex(
                name: "IX_RunCommentMentions_UserId",
                table: "RunCommentMentions",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_RunComments_ParentId",
                table: "RunComments",
                column: "ParentId");

            migrationBuilder.CreateIndex(
                name: "IX_RunComments_RunId_Id",
                table: "RunComments",
                columns: new[] { "RunId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_RunReviewEvents_RunId_Id",
                table: "RunReviewEvents",
                columns: new[] { "RunId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_RunTags_Tag",
                table: "RunTags",
                column: "Tag");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RunCommentMentions");

            migrationBuilder.DropTable(
                name: "RunReviewEvents");

            migrationBuilder.DropTable(
                name: "RunTags");

            migrationBuilder.DropTable(
                name: "RunComments");

            migrationBuilder.DropIndex(
                name: "IX_Runs_ReviewState",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "Notes",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "ReviewState",
                table: "Runs");
        }
    }
}
