# SPDX-License-Identifier: BSD-3-Clause
# Writes the files given as a C table, { "name", "text" }, for the
# programs that carry them (como module new's templates, share/scaffold/).
BEGIN {
	print "/* made by mk/embed.awk from share/scaffold/: edit those */"
	print "static const struct scaffold_file scaffold_files[] = {"
}
FNR == 1 {
	if (NR > 1)
		print "\t},"
	n = split(FILENAME, part, "/")
	printf "\t{ \"%s\",\n", part[n]
}
{
	gsub(/\\/, "&&")
	gsub(/"/, "\\\"")
	gsub(/\t/, "\\t")
	printf "\t\"%s\\n\"\n", $0
}
END {
	if (NR > 0)
		print "\t},"
	print "};"
}
