using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LayerLab.Data.Migrations
{
    /// <inheritdoc />
    public partial class BoardBucketsSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LeaderboardBuckets",
                columns: table => new
                {
                    ExperimentKey = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    MetricKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Tag = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Day = table.Column<long>(type: "INTEGER", nullable: false),
                    ParametersJson = table.Column<string>(type: "TEXT", nullable: false),
                    ReviewState = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    N = table.Column<int>(type: "INTEGER", nullable: false),
                    SumMin = table.Column<double>(type: "REAL", nullable: false),
                    SumSqMin = table.Column<double>(type: "REAL", nullable: false),
                    MinOfMin = table.Column<double>(type: "REAL", nullable: false),
                    MaxOfMin = table.Column<double>(type: "REAL", nullable: false),
                    SumMax = table.Column<double>(type: "REAL", nullable: false),
                    SumSqMax = table.Column<double>(type: "REAL", nullable: false),
                    MinOfMax = table.Column<double>(type: "REAL", nullable: false),
                    MaxOfMax = table.Column<double>(type: "REAL", nullable: false),
                    TimedN = table.Column<int>(type: "INTEGER", nullable: false),
                    SumSeconds = table.Column<double>(type: "REAL", nullable: true),
                    Devices = table.Column<string>(type: "TEXT", nullable: false),
                    Submitters = table.Column<string>(type: "TEXT", nullable: false),
                    LatestRunId = table.Column<long>(type: "INTEGER", nullable: false),
                    ParameterCount = table.Column<double>(type: "REAL", nullable: true),
                    Reproduced = table.Column<int>(type: "INTEGER", nullable: false),
                    NotReproduced = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LeaderboardBuckets", x => new { x.ExperimentKey, x.MetricKey, x.Tag, x.Day, x.ParametersJson, x.ReviewState });
                });

            migrationBuilder.CreateIndex(
                name: "IX_Runs_ExperimentKey_Status_FinishedAt",
                table: "Runs",
                columns: new[] { "ExperimentKey", "Status", "FinishedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_LeaderboardBuckets_ExperimentKey_ParametersJson_Day",
                table: "LeaderboardBuckets",
                columns: new[] { "ExperimentKey", "ParametersJson", "Day" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LeaderboardBuckets");

            migrationBuilder.DropIndex(
                name: "IX_Runs_ExperimentKey_Status_FinishedAt",
                table: "Runs");
        }
    }
}
