# Writes the ba-issuer(1) man page from the binary's own --help and --version, so the two never
# disagree. Usage: cmake -DBIN=path/to/ba-issuer -DOUT=ba-issuer.1 -P man_page.cmake
execute_process(COMMAND ${BIN} --help OUTPUT_VARIABLE help RESULT_VARIABLE help_rc)
execute_process(COMMAND ${BIN} --version OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT help_rc EQUAL 0)
  message(FATAL_ERROR "${BIN} --help failed")
endif()
# roff: a backslash is "\e", and a line starting with '.' or "'" needs "\&" before it.
string(REPLACE "\\" "\\e" help "${help}")
string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
string(REPLACE "ba-issuer " "" release "${version}")
file(WRITE ${OUT}
".TH BA-ISSUER 1 \"\" \"ba-issuer ${release}\" \"User Commands\"
.SH NAME
ba-issuer \\- a Better Auth compatible session and JWT issuer
.SH SYNOPSIS
.B ba-issuer
[\\fIserve\\fR] [\\fIflags\\fR]
.br
.B ba-issuer
\\fIkeys\\fR|\\fIdoctor\\fR|\\fIusers\\fR|\\fIsessions\\fR ...
.SH DESCRIPTION
.nf
${help}.fi
")
