# sim_check.cmake: checks on recnet-sim that need more than its exit status.
#   -DSIM=<recnet-sim> -DMODE=determinism: a lossy, reordering, crashing scenario run twice with
#       one seed gives the same digest; with another seed another digest.
#   -DMODE=determinism_roster: the same with a governed roster: roster-crash (crashes, loss, key
#       rotations, a removal) and compromised-key (a compromised key, node_rekey, rogue entries).
#   -DMODE=failure: a run whose expectation cannot hold exits 1 and prints the seed and a
#       command that, run again, fails the same way with the same digest.
#   -DMODE=default: recnet-sim without a scenario runs the default one (the 30 countries
#       publishing providers, specs, decisions, policies, ...): it passes with entries published.
#   -DMODE=countries: nodes chosen by country (`nodes IE FR DE`, `--nodes IE,FR,DE`) are those
#       countries; an unknown or repeated code is refused naming it.
#   -DMODE=recognition: the shipped recognition scenario (answers expected of every node) passes.
#   -DMODE=expect_false: a recognise or stack expectation that does not hold fails the run,
#       naming the directive, its position, the node and its answer, with the seed and command.
#   -DMODE=position: an error in the k-th -e is reported as `-e #k`, in a file with its line.
#   -DMODE=legend: the report says what RMR, LDH, HAVE and WANT are, one line each.
function(sim_digest out rc_out)
  execute_process(COMMAND ${SIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE stdout
                  ERROR_VARIABLE stderr)
  string(REGEX MATCH "digest: ([0-9a-f]+)" m "${stdout}")
  if(NOT m)
    message(FATAL_ERROR "no digest in the output of ${ARGN}:\n${stdout}\n${stderr}")
  endif()
  set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  set(${rc_out} ${rc} PARENT_SCOPE)
  set(last_stdout "${stdout}" PARENT_SCOPE)
endfunction()

# Runs recnet-sim with ARGN: rc, stdout and stderr into the caller's sim_rc, sim_out, sim_err.
function(sim_exec)
  execute_process(COMMAND ${SIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE stdout
                  ERROR_VARIABLE stderr)
  set(sim_rc ${rc} PARENT_SCOPE)
  set(sim_out "${stdout}" PARENT_SCOPE)
  set(sim_err "${stderr}" PARENT_SCOPE)
endfunction()

# Fails unless `text` matches the regular expression `re`.
function(sim_require text re what)
  string(REGEX MATCH "${re}" m "${text}")
  if(NOT m)
    message(FATAL_ERROR "${what}: no match for '${re}' in:\n${text}")
  endif()
endfunction()

set(SHORT -e "duplicate 0.001" -e "corrupt 0.001")
if(MODE STREQUAL "determinism")
  sim_digest(d1 rc1 crash-storm ${SHORT} --seed 7)
  sim_digest(d2 rc2 crash-storm ${SHORT} --seed 7)
  sim_digest(d3 rc3 crash-storm ${SHORT} --seed 8)
  if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT rc3 EQUAL 0)
    message(FATAL_ERROR "a run failed: ${rc1} ${rc2} ${rc3}\n${last_stdout}")
  endif()
  if(NOT d1 STREQUAL d2)
    message(FATAL_ERROR "seed 7 twice gave two digests: ${d1} and ${d2}")
  endif()
  if(d1 STREQUAL d3)
    message(FATAL_ERROR "seeds 7 and 8 gave the same digest ${d1}")
  endif()
  message(STATUS "seed 7 twice: ${d1}; seed 8: ${d3}")
elseif(MODE STREQUAL "determinism_roster")
  foreach(scenario roster-crash compromised-key)
    sim_digest(d1 rc1 ${scenario} --seed 5)
    sim_digest(d2 rc2 ${scenario} --seed 5)
    sim_digest(d3 rc3 ${scenario} --seed 6)
    if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT rc3 EQUAL 0)
      message(FATAL_ERROR "${scenario}: a run failed: ${rc1} ${rc2} ${rc3}\n${last_stdout}")
    endif()
    if(NOT d1 STREQUAL d2)
      message(FATAL_ERROR "${scenario}: seed 5 twice gave two digests: ${d1} and ${d2}")
    endif()
    if(d1 STREQUAL d3)
      message(FATAL_ERROR "${scenario}: seeds 5 and 6 gave the same digest ${d1}")
    endif()
    message(STATUS "${scenario}: seed 5 twice: ${d1}; seed 6: ${d3}")
  endforeach()
elseif(MODE STREQUAL "failure")
  sim_digest(d1 rc1 steady -e "run 6s" -e "settle 5s" -e "expect rmr <= -1" --seed 3)
  if(NOT rc1 EQUAL 1)
    message(FATAL_ERROR "expected exit status 1, got ${rc1}:\n${last_stdout}")
  endif()
  string(REGEX MATCH "seed: 3\n" s "${last_stdout}")
  string(REGEX MATCH "reproduce: cd ([^\n]*) && ([^\n]*) --seed 3\n" r "${last_stdout}")
  if(NOT s OR NOT r)
    message(FATAL_ERROR "no seed or reproduce line:\n${last_stdout}")
  endif()
  # Run the printed command again (its arguments as printed, quotes removed by the shell).
  execute_process(COMMAND sh -c "${CMAKE_MATCH_2} --seed 3" WORKING_DIRECTORY "${CMAKE_MATCH_1}"
                  RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2)
  string(REGEX MATCH "digest: ([0-9a-f]+)" m2 "${out2}")
  if(NOT rc2 EQUAL 1 OR NOT CMAKE_MATCH_1 STREQUAL d1)
    message(FATAL_ERROR "the printed command did not reproduce the run (${rc2}):\n${out2}")
  endif()
  message(STATUS "reproduced: ${d1}")
elseif(MODE STREQUAL "default")
  sim_exec()
  if(NOT sim_rc EQUAL 0)
    message(FATAL_ERROR "recnet-sim without arguments exited ${sim_rc}:\n${sim_out}\n${sim_err}")
  endif()
  sim_require("${sim_out}" "scenario default, seed 1: 30 nodes \\(30 authorities" "default")
  sim_require("${sim_out}" "workload: [1-9][0-9]* entries acknowledged" "default")
  sim_require("${sim_out}" "delivery: [1-9][0-9]* deliveries" "default")
  sim_require("${sim_out}"
              "expectations: [1-9][0-9]* on answers, [1-9][0-9]* node answers checked, all as expected"
              "default")
  sim_require("${sim_out}" "\nPASS\n" "default")
  # Its kinds of records: the default mix reaches every kind.
  sim_require("${sim_out}" "[1-9][0-9]* specs; [1-9][0-9]* queries \\([1-9][0-9]* decision, [1-9]"
              "default")
elseif(MODE STREQUAL "countries")
  sim_exec(-e "nodes IE FR DE" -e "publish 20 every 100ms" -e "run 4s" -e "settle 3s")
  if(NOT sim_rc EQUAL 0)
    message(FATAL_ERROR "nodes IE FR DE exited ${sim_rc}:\n${sim_out}\n${sim_err}")
  endif()
  sim_require("${sim_out}" "3 nodes \\(3 authorities, 0 mirrors\\)" "nodes IE FR DE")
  sim_require("${sim_out}" "authorities: IE FR DE\n" "nodes IE FR DE")
  sim_require("${sim_out}" "workload: 20 entries" "nodes IE FR DE")
  # Chosen authorities and mirrors after them.
  sim_exec(-e "nodes 4" -e "authorities PL SE" -e "publish 5 every 100ms" -e "run 3s"
           -e "settle 3s")
  sim_require("${sim_out}" "4 nodes \\(2 authorities, 2 mirrors\\)" "authorities PL SE")
  sim_require("${sim_out}" "authorities: PL SE\n" "authorities PL SE")
  # The command line: --nodes with commas.
  sim_exec(--nodes PL,SE,IS -e "publish 5 every 100ms" -e "at 1s crash IS" -e "run 3s"
           -e "settle 3s")
  if(NOT sim_rc EQUAL 0)
    message(FATAL_ERROR "--nodes PL,SE,IS exited ${sim_rc}:\n${sim_out}\n${sim_err}")
  endif()
  sim_require("${sim_out}" "authorities: PL SE IS\n" "--nodes PL,SE,IS")
  # Refusals name the code.
  sim_exec(-e "nodes IE XX")
  if(NOT sim_rc EQUAL 2)
    message(FATAL_ERROR "nodes IE XX exited ${sim_rc}")
  endif()
  sim_require("${sim_err}" "-e #1: nodes: 'XX' is not one of the 30 countries" "nodes IE XX")
  sim_exec(-e "nodes IE FR IE")
  sim_require("${sim_err}" "nodes: IE named twice" "nodes IE FR IE")
elseif(MODE STREQUAL "recognition")
  sim_exec(recognition -v)
  if(NOT sim_rc EQUAL 0)
    message(FATAL_ERROR "recognition exited ${sim_rc}:\n${sim_out}\n${sim_err}")
  endif()
  sim_require("${sim_out}"
              "recognition.sim:16: expect recognise IE:prov-1/mc-c001 FR further_study partial by 3s: 30 of 30 nodes answer so"
              "recognition")
  sim_require("${sim_out}"
              "recognition.sim:29: expect stack NL:pathway/minor-psychology-1 IE:prov-1/ach-002,IE:prov-1/mc-koffie-003 complete by 4500ms: 30 of 30 nodes answer so"
              "recognition")
  sim_require("${sim_out}"
              "expectations: [1-9][0-9]* on answers, [1-9][0-9]* node answers checked, all as expected"
              "recognition")
elseif(MODE STREQUAL "expect_false")
  sim_exec(recognition -e "settle 3s"
           -e "expect recognise IE:prov-1/mc-c001 FR further_study full by 3s on IE,DE" --seed 4)
  if(NOT sim_rc EQUAL 1)
    message(FATAL_ERROR "a false expectation exited ${sim_rc}:\n${sim_out}\n${sim_err}")
  endif()
  sim_require("${sim_out}"
              "FAILED: at 3.000 s: -e #2: expect recognise IE:prov-1/mc-c001 FR further_study full by 3s on IE,DE: DE answers decision:partial \\(FR:enic-naric/2026-0001\\)"
              "false expectation")
  sim_require("${sim_out}" "seed: 4\nreproduce: cd [^\n]* --seed 4\n" "false expectation")
  # The same for stack.
  sim_exec(recognition
           -e "expect stack NL:pathway/minor-psychology-1 IE:prov-1/ach-002 complete by 4500ms")
  if(NOT sim_rc EQUAL 1)
    message(FATAL_ERROR "a false stack expectation exited ${sim_rc}:\n${sim_out}\n${sim_err}")
  endif()
  sim_require("${sim_out}"
              "FAILED: at 4.500 s: -e #1: expect stack NL:pathway/minor-psychology-1 IE:prov-1/ach-002 complete by 4500ms: AT answers incomplete \\(3.00 of 6.00 ECTS, 0 mandatory missing\\)"
              "false stack expectation")
  # In a file, the directive's own line.
  file(WRITE ${WORK}/false.sim "# two comment lines\n\nnodes IE FR\nat 500ms publish IE provider\n"
       "at 600ms publish IE spec\nrun 3s\nsettle 2s\n"
       "expect recognise IE:prov-1/mc-c001 FR employment partial by end\n")
  sim_exec(${WORK}/false.sim)
  if(NOT sim_rc EQUAL 1)
    message(FATAL_ERROR "false.sim exited ${sim_rc}:\n${sim_out}\n${sim_err}")
  endif()
  sim_require("${sim_out}"
              "FAILED: at [0-9.]+ s: [^\n]*false.sim:8: expect recognise IE:prov-1/mc-c001 FR employment partial by end: IE answers no_decision"
              "false expectation in a file")
elseif(MODE STREQUAL "position")
  # A parse error in the third -e.
  sim_exec(-e "nodes 4" -e "run 3s" -e "loss 2")
  if(NOT sim_rc EQUAL 2)
    message(FATAL_ERROR "a bad -e exited ${sim_rc}")
  endif()
  sim_require("${sim_err}" "^-e #3: loss: expected a probability" "bad third -e")
  # A name that is no node, found at set-up, in the second -e.
  sim_exec(-e "nodes 4" -e "at 1s crash FR" -e "run 3s")
  if(NOT sim_rc EQUAL 2)
    message(FATAL_ERROR "an unknown node exited ${sim_rc}:\n${sim_err}")
  endif()
  sim_require("${sim_err}" "-e #2: group 'FR': no node named 'FR'" "unknown node in the second -e")
  # A failed figure expectation in the fourth -e.
  sim_exec(-e "nodes 4" -e "run 3s" -e "settle 2s" -e "expect rmr <= -1")
  if(NOT sim_rc EQUAL 1)
    message(FATAL_ERROR "a failing expect exited ${sim_rc}:\n${sim_out}")
  endif()
  sim_require("${sim_out}" "FAILED: at [0-9.]+ s: -e #4: expected RMR <= -1" "failed expect rmr")
  # In a file: the line of the directive.
  file(WRITE ${WORK}/bad.sim "# comment\nnodes 4\n\nrun 3s\nlatency 5parsecs\n")
  sim_exec(${WORK}/bad.sim)
  sim_require("${sim_err}" "bad.sim:5: expected a duration" "bad line 5 of a file")
elseif(MODE STREQUAL "legend")
  sim_exec(-e "nodes 3" -e "publish 5 every 100ms" -e "run 2s" -e "settle 2s")
  if(NOT sim_rc EQUAL 0)
    message(FATAL_ERROR "legend run exited ${sim_rc}:\n${sim_out}")
  endif()
  foreach(term RMR LDH HAVE WANT)
    sim_require("${sim_out}" "\n  ${term} +[^\n]+\n" "legend of ${term}")
  endforeach()
else()
  message(FATAL_ERROR "MODE must be determinism, failure, default, countries, recognition, "
                      "expect_false, position or legend")
endif()
