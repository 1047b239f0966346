using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LayerLab.Data.Migrations
{
    /// <inheritdoc />
    public partial class BoardSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "At",
                table: "MetricPoints",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "LeaderboardAggregates",
                columns: table => new
                {
                    ExperimentKey = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ParametersJson = table.Column<string>(type: "TEXT", nullable: false),
                    MetricKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
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
                    table.PrimaryKey("PK_LeaderboardAggregates", x => new { x.ExperimentKey, x.ParametersJson, x.MetricKey, x.ReviewState });
                });

            migrationBuilder.CreateIndex(
                name: "IX_Runs_ExperimentKey_ParametersJson",
                table: "Runs",
                columns: new[] { "ExperimentKey", "ParametersJson" });

            migrationBuilder.CreateIndex(
                name: "IX_LeaderboardAggregates_ExperimentKey_MetricKey_ReviewState",
                table: "LeaderboardAggregates",
                columns: new[] { "ExperimentKey", "MetricKey", "ReviewState" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LeaderboardAggregates");

            migrationBuilder.DropIndex(
                name: "IX_Runs_ExperimentKey_ParametersJson",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "At",
                table: "MetricPoints");
        }
    }
}
