# Copies one fenced code block out of a Markdown file, so that an example in a document can be
# compiled from the document itself (which stays its only copy):
#
#   cmake -DINPUT=README.md -DAFTER="Writing the next controller" -DLANGUAGE=cpp
#         -DOUTPUT=example.inc -P extract_code_block.cmake
#
# Writes the first ```LANGUAGE block that follows the first occurrence of AFTER, preceded by a
# #line directive, so that a compiler error names the line of the Markdown file. Fails when
# there is no such block: a renamed heading must not turn the check into a silent pass.
foreach(variable INPUT AFTER LANGUAGE OUTPUT)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "extract_code_block.cmake: -D${variable}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" text)
string(FIND "${text}" "${AFTER}" anchor)
if(anchor EQUAL -1)
  message(FATAL_ERROR "${INPUT}: no \"${AFTER}\" to find the example by")
endif()
string(SUBSTRING "${text}" ${anchor} -1 rest)
set(fence_open "```${LANGUAGE}\n")
string(FIND "${rest}" "${fence_open}" open)
if(open EQUAL -1)
  message(FATAL_ERROR "${INPUT}: no ```${LANGUAGE} block after \"${AFTER}\"")
endif()
string(LENGTH "${fence_open}" fence_length)
math(EXPR body_start "${open} + ${fence_length}")
string(SUBSTRING "${rest}" ${body_start} -1 rest)
string(FIND "${rest}" "\n```" close)
if(close EQUAL -1)
  message(FATAL_ERROR "${INPUT}: the ```${LANGUAGE} block after \"${AFTER}\" is not closed")
endif()
string(SUBSTRING "${rest}" 0 ${close} code)

# The block's first line, 1-based, in the Markdown file.
math(EXPR before_code "${anchor} + ${body_start}")
string(SUBSTRING "${text}" 0 ${before_code} head)
string(REGEX MATCHALL "\n" newlines "${head}")
list(LENGTH newlines line)
math(EXPR line "${line} + 1")

# Written only when it changed, so that an edit elsewhere in the file recompiles nothing.
file(WRITE "${OUTPUT}.new" "#line ${line} \"${INPUT}\"\n${code}\n")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
