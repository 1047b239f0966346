using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LayerLab.Data.Migrations
{
    /// <inheritdoc />
    public partial class MlflowSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Origin",
                table: "Runs",
                type: "TEXT",
                maxLength: 300,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "MlflowExperiments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    ArtifactLocation = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    LifecycleStage = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    OwnerId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MlflowExperiments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MlflowRunTags",
                columns: table => new
                {
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    Value = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MlflowRunTags", x => new { x.RunId, x.Key });
                    table.ForeignKey(
                        name: "FK_MlflowRunTags_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MlflowExperimentTags",
                columns: table => new
                {
                    ExperimentId = table.Column<long>(type: "INTEGER", nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    Value = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MlflowExperimentTags", x => new { x.ExperimentId, x.Key });
                    table.ForeignKey(
                        name: "FK_MlflowExperimentTags_MlflowExperiments_ExperimentId",
                        column: x => x.ExperimentId,
                        principalTable: "MlflowExperiments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MlflowRuns",
                columns: table => new
                {
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    ExperimentId = table.Column<long>(type: "INTEGER", nullable: false),
                    LifecycleStage = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MlflowRuns", x => x.RunId);
                    table.ForeignKey(
                        name: "FK_MlflowRuns_MlflowExperiments_ExperimentId",
                        column: x => x.ExperimentId,
                        principalTable: "MlflowExperiments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_MlflowRuns_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_MlflowExperiments_Name",
                table: "MlflowExperiments",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MlflowRuns_ExperimentId_RunId",
                table: "MlflowRuns",
                columns: new[] { "ExperimentId", "RunId" });

            // MLflow's "Default" experiment (id 0), which clients use when they name none. By hand: HasData refuses a zero key.
            migrationBuilder.Sql(
                "INSERT INTO \"MlflowExperiments\" (\"Id\", \"Name\", \"LifecycleStage\", \"CreatedAt\", \"LastUpdatedAt\") VALUES (0, 'Default', 'active', 0, 0);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MlflowExperimentTags");

            migrationBuilder.DropTable(
                name: "MlflowRuns");

            migrationBuilder.DropTable(
                name: "MlflowRunTags");

            migrationBuilder.DropTable(
                name: "MlflowExperiments");

            migrationBuilder.DropColumn(
                name: "Origin",
                table: "Runs");
        }
    }
}
