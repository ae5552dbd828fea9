"""workbook_templates: the project and portfolio workbook templates, their contract
(``contract``: sheets, defined names, tables) and the code that generates them."""
