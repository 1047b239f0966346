using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LayerLab.Data.Migrations
{
    /// <inheritdoc />
    public partial class SavedSweepStudies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SavedFigureJson",
                table: "Studies",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SavedFigureJson",
                table: "Studies");
        }
    }
}
