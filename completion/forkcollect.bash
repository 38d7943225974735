# bash completion for forkcollect(1): commands, each command's flags, and the format
# names. It asks the command itself for all three (`forkcollect --help`, `forkcollect
# CMD --help`, `forkcollect formats --names`), so a command, flag or format added to
# the build completes with no change here. Installed as
# share/bash-completion/completions/forkcollect; needs nothing from bash-completion.

_forkcollect_formats()
{
    "${COMP_WORDS[0]}" formats --names 2>/dev/null
}

# The commands: the first word of each line of the "commands:" part of --help.
_forkcollect_commands()
{
    "${COMP_WORDS[0]}" --help 2>/dev/null |
        awk '/^commands:/ {on = 1; next} on && NF == 0 {on = 0} on {print $1}'
}

# A command's long flags: the first long flag of each option line of its --help.
_forkcollect_flags()
{
    "${COMP_WORDS[0]}" "$1" --help 2>/dev/null |
        sed -nE 's/^ +(-[a-zA-Z0-9], +)?(--[a-z][a-z0-9-]*).*/\2/p'
}

# _forkcollect_list CUR WORDS...: COMPREPLY from WORDS for CUR; for a comma-separated
# list (--formats a,b,) completes the last item.
_forkcollect_list()
{
    local cur=$1 head="" w
    shift
    if [[ $cur == *,* ]]; then
        head=${cur%,*},
        cur=${cur##*,}
    fi
    COMPREPLY=()
    for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$head$w")
    done
}

_forkcollect()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev="" cmd=""
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    ((COMP_CWORD > 1)) && cmd=${COMP_WORDS[1]}
    if ((COMP_CWORD == 1)); then
        _forkcollect_list "$cur" $(_forkcollect_commands) --help --version
        return 0
    fi
    # The short flags that mean different things in different commands.
    [[ $prev == -t && $cmd == convert ]] && prev=--to
    [[ $prev == -f && ($cmd == compare || $cmd == roundtrip) ]] && prev=--formats
    case "$prev" in
        -f|--format|--to|--from) _forkcollect_list "$cur" $(_forkcollect_formats); return 0 ;;
        --formats) _forkcollect_list "$cur" all $(_forkcollect_formats); return 0 ;;
        --output)
            if [[ $cmd == compare ]]; then
                _forkcollect_list "$cur" table csv json markdown html
            else
                COMPREPLY=($(compgen -f -- "$cur"))
            fi
            return 0 ;;
        -o)
            [[ $cmd == compare ]] && { _forkcollect_list "$cur" table csv json markdown html; return 0; }
            COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
        --sum) _forkcollect_list "$cur" fsum sequential; return 0 ;;
        --transport) _forkcollect_list "$cur" file pipe; return 0 ;;
        -v|--values) _forkcollect_list "$cur" exercise edge random; return 0 ;;
        -d|--dir) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
        --save|--chart|--html) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
        -n|--count|-s|--start|-w|--workers|-i|--iterations|-t|--timeout|-r|--retries|\
        --repeat|--warmup|--seed|--max-size) COMPREPLY=(); return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        _forkcollect_list "$cur" $(_forkcollect_flags "$cmd")
    elif [[ $cmd == convert || $cmd == dump ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    else
        COMPREPLY=()
    fi
    return 0
}
complete -F _forkcollect forkcollect
