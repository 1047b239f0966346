using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LayerLab.Data.Migrations
{
    /// <inheritdoc />
    public partial class MetricExtremes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "Max",
                table: "LatestMetrics",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "Min",
                table: "LatestMetrics",
                type: "REAL",
                nullable: true);

            // Existing runs: take the extremes from their history once (MIN/MAX skip NULL, i.e. NaN).
            migrationBuilder.Sql("""
                UPDATE LatestMetrics SET
                    Min = (SELECT MIN(p.Value) FROM MetricPoints p WHERE p.RunId = LatestMetrics.RunId AND p.Key = LatestMetrics.Key),
                    Max = (SELECT MAX(p.Value) FROM MetricPoints p WHERE p.RunId = LatestMetrics.RunId AND p.Key = LatestMetrics.Key);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Max",
                table: "LatestMetrics");

            migrationBuilder.DropColumn(
                name: "Min",
                table: "LatestMetrics");
        }
    }
}
