;;; gptls.el --- Ghost text, summaries and classification from the gptls language server  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: tools, convenience

;;; Commentary:

;; gptls serves a local GPT-2-style model over the Language Server Protocol.  This package runs it through eglot
;; and adds what eglot does not know: ghost text from `textDocument/inlineCompletion' (an overlay after the
;; cursor, shown after a short pause in typing), keys to accept all of it, a word or a line, or to dismiss it, and
;; the commands `gptls-summarize-region' and `gptls-classify-region'.
;;
;; Setup:
;;   (require 'gptls)
;;   (add-hook 'python-mode-hook #'gptls-mode)   ; for every major mode you want it in
;;
;; `gptls-mode' starts (or joins) an eglot session with the gptls server for the buffer.  Everything runs on
;; Emacs's main thread; replies arrive through jsonrpc's process filter.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'jsonrpc)
(require 'eglot)

(defgroup gptls nil
  "Ghost text, summaries and classification from a local model."
  :group 'tools
  :prefix "gptls-")

(defcustom gptls-program "gptls"
  "The gptls binary: a name on `exec-path' or an absolute file name."
  :type 'string)

(defcustom gptls-program-args '("serve")
  "Arguments for `gptls-program' (add \"--model\" \"PATH\" for another model)."
  :type '(repeat string))

(defcustom gptls-settings nil
  "Settings sent as initializationOptions, a plist such as (:maxTokens 32 :temperature 0).
See protocol/README.md, Configuration.  nil sends an empty object."
  :type 'plist)

(defcustom gptls-idle-delay 0.15
  "Seconds of pause in typing before asking for ghost text."
  :type 'number)

(defcustom gptls-request-timeout 60
  "Seconds to wait for a summary or a classification."
  :type 'number)

(defface gptls-ghost-face '((t :inherit shadow))
  "Face of the ghost text.")

;;;; Server

(defclass eglot-gptls (eglot-lsp-server) ()
  :documentation "The gptls language server.")

(cl-defmethod eglot-initialization-options ((_server eglot-gptls))
  (or gptls-settings eglot--{}))

(defvar gptls--failure-reported nil
  "Non-nil once the user was told why the server cannot run (they are told once).")

(defun gptls--report-failure (format-string &rest args)
  "Tell the user, once, why the server cannot run: FORMAT-STRING with ARGS."
  (unless gptls--failure-reported
    (setq gptls--failure-reported t)
    (let ((text (apply #'format format-string args)))
      (display-warning 'gptls text :error)
      (message "gptls: %s" text))))

(defun gptls--executable ()
  "The server binary's file name, or nil."
  (if (file-name-absolute-p gptls-program)
      (and (file-executable-p gptls-program) gptls-program)
    (executable-find gptls-program)))

(defun gptls--contact (&optional _interactive)
  "The eglot contact of the server: (eglot-gptls PROGRAM ARGS...)."
  `(eglot-gptls ,gptls-program ,@gptls-program-args))

(defun gptls--server ()
  "The live gptls server of this buffer, or nil."
  (let ((server (and (eglot-managed-p) (eglot-current-server))))
    (and server (cl-typep server 'eglot-gptls) (jsonrpc-running-p server) server)))

;; jsonrpc keeps the server's stderr in a hidden buffer (" *EGLOT (PROJECT/(MODE)) stderr*"), which outlives the
;; server: its last lines are what the user needs when the server dies.
(defun gptls--stderr-tail (process)
  "The last lines PROCESS wrote to stderr, joined with \" | \", or nil.
Waits up to half a second for the stderr pipe to drain: a server that exits at once is noticed through its exit,
possibly before Emacs has read its last words."
  (let* ((buffer (process-get process 'jsonrpc-stderr))
         (pipe (and (buffer-live-p buffer) (get-buffer-process buffer)))
         (deadline (+ (float-time) 0.5)))
    (while (and pipe (process-live-p pipe) (< (float-time) deadline))
      (accept-process-output pipe 0.05))
    (when (buffer-live-p buffer)
      ;; Emacs appends "Process NAME stderr finished" when the pipe closes: that line is not the server's.
      (let ((lines (cl-remove-if (lambda (line) (string-match-p "\\`Process .* stderr finished\\'" line))
                                 (with-current-buffer buffer (split-string (buffer-string) "\n" t "[ \t]+")))))
        (and lines (string-join (last lines 3) " | "))))))

(defun gptls--exit-reason (process)
  "Why PROCESS ended, as a phrase: \"exit code N: LAST STDERR LINES\"."
  (let ((tail (gptls--stderr-tail process)))
    (format "%s %d%s"
            (if (eq (process-status process) 'signal) "signal" "exit code")
            (process-exit-status process)
            (if tail (concat ": " tail) ""))))

(defun gptls--sentinel (process _event)
  "Report once when the server PROCESS ends without having been asked to."
  (when (memq (process-status process) '(exit signal))
    (let ((server (process-get process 'jsonrpc-connection)))
      (unless (and server (ignore-errors (eglot--shutdown-requested server)))
        (unless (zerop (process-exit-status process))
          (gptls--report-failure "the server exited unexpectedly (%s)" (gptls--exit-reason process)))))))

(defun gptls--watch (server)
  "Add `gptls--sentinel' to SERVER's process."
  (let ((process (jsonrpc--process server)))
    (unless (process-get process 'gptls-watched)
      (process-put process 'gptls-watched t)
      (add-function :after (process-sentinel process) #'gptls--sentinel))))

(defun gptls-start ()
  "Start (or join) the gptls eglot session for the current buffer.
Returns the server, or nil after telling the user why not."
  (cond
   ((gptls--server))
   ((not (gptls--executable))
    (gptls--report-failure
     "cannot start the server: \"%s\" is not an executable program (set `gptls-program')" gptls-program)
    nil)
   (t
    (let ((connection nil))
      (condition-case err
          (let* ((eglot-server-programs (cons (cons major-mode #'gptls--contact) eglot-server-programs))
                 ;; eglot runs this hook with the new connection before the handshake: if the handshake fails,
                 ;; the connection's process has the exit code and stderr that say why.
                 (eglot-server-initialized-hook
                  (cons (lambda (server) (setq connection server)) eglot-server-initialized-hook))
                 (guess (eglot--guess-contact))
                 ;; Wait for initialize, so the first request finds the server ready.
                 (eglot-sync-connect t)
                 (server (progn (apply #'eglot guess) (gptls--server))))
            (when server
              (gptls--watch server))
            server)
        (error
         (let ((process (and connection (jsonrpc--process connection))))
           (if (and process (memq (process-status process) '(exit signal)))
               (gptls--report-failure "cannot start the server: it exited (%s)" (gptls--exit-reason process))
             (gptls--report-failure "cannot start the server: %s" (error-message-string err))))
         nil))))))

;;;; Ghost text

(defvar-local gptls--overlay nil "The ghost text overlay.")
(defvar-local gptls--ghost nil "The ghost text: (POSITION . TEXT), or nil.")
(defvar-local gptls--timer nil "The pending idle request.")
(defvar-local gptls--pending nil "Id of the inline completion request in flight.")
(defvar-local gptls--last-result nil "The latest inline completion reply (a plist), for status and tests.")
(defvar-local gptls--last-result-tick nil "`buffer-chars-modified-tick' when `gptls--last-result' was asked.")
(defvar-local gptls--tick nil "`buffer-chars-modified-tick' after the previous command.")

(defvar-local gptls--shown nil
  "Characters taken so far from the suggestion shown now (by word or line), or nil when none is shown.")

;; Accept telemetry: each suggestion shown gets "shown", then one outcome (accepted: all of it was inserted;
;; partiallyAccepted: some of it before the rest went away; dismissed: none of it), sent as
;; gptls/completionFeedback. The server only counts them, for gptls/status; nothing leaves the machine.
(defun gptls--feedback (event &optional characters)
  "Tell the server EVENT happened to the suggestion, with CHARACTERS accepted."
  (let ((server (gptls--server)))
    (when (and server (jsonrpc-running-p server))
      (jsonrpc-notify server :gptls/completionFeedback
                      (append (list :event event)
                              (and characters (list :acceptedCharacters characters)))))))

(defun gptls--finish-shown ()
  "Report the outcome of the suggestion shown now, which goes away without being accepted whole."
  (when gptls--shown
    (let ((taken gptls--shown))
      (setq gptls--shown nil)
      (if (> taken 0)
          (gptls--feedback "partiallyAccepted" taken)
        (gptls--feedback "dismissed")))))

(defun gptls-ghost-text ()
  "The ghost text shown now, or nil."
  (cdr gptls--ghost))

(defun gptls--clear ()
  "Remove the ghost text."
  (when gptls--overlay
    (delete-overlay gptls--overlay)
    (setq gptls--overlay nil))
  (setq gptls--ghost nil)
  (gptls-ghost-mode -1))

(defun gptls--show (position text)
  "Show TEXT as ghost text at POSITION."
  (gptls--clear)
  (let ((overlay (make-overlay position position nil t nil))
        (shown (propertize text 'face 'gptls-ghost-face)))
    ;; The cursor stays before the ghost text.
    (put-text-property 0 1 'cursor t shown)
    (overlay-put overlay 'after-string shown)
    (overlay-put overlay 'gptls t)
    (setq gptls--overlay overlay
          gptls--ghost (cons position text))
    (gptls-ghost-mode 1)))

(defun gptls--cancel ()
  "Cancel the request in flight (the server answers it with RequestCancelled)."
  (when gptls--timer
    (cancel-timer gptls--timer)
    (setq gptls--timer nil))
  (let ((server (gptls--server)))
    (when (and gptls--pending server)
      (jsonrpc-notify server :$/cancelRequest `(:id ,gptls--pending))))
  (setq gptls--pending nil))

(defun gptls--async-request (server method params &rest args)
  "Send METHOD with PARAMS to SERVER without waiting (ARGS as for `jsonrpc-async-request'); return the request id.
`jsonrpc-async-request' returns nil, so the id (needed to cancel) comes from the function behind it when present."
  (if (fboundp 'jsonrpc--async-request-1)
      (car-safe (apply #'jsonrpc--async-request-1 server method params args))
    (apply #'jsonrpc-async-request server method params args)
    nil))

(defun gptls-request (&optional trigger-kind)
  "Ask for ghost text at point now; TRIGGER-KIND is 1 (invoked, interactively) or 2 (automatic)."
  (interactive (list 1))
  (let ((server (gptls--server))
        (buffer (current-buffer)))
    (when server
      (gptls--cancel)
      ;; eglot sends changes after a pause of its own: send them now, so the server sees this text.
      (eglot--signal-textDocument/didChange)
      (let* ((tick (buffer-chars-modified-tick))
             (position (point))
             (params `(:textDocument ,(eglot--TextDocumentIdentifier)
                       :position ,(eglot--pos-to-lsp-position)
                       :context (:triggerKind ,(or trigger-kind 2))))
             (id nil))
        (setq id (gptls--async-request
                  server :textDocument/inlineCompletion params
                  :timeout gptls-request-timeout
                  :success-fn (lambda (result) (gptls--on-result buffer id tick position result))
                  :error-fn (lambda (error) (gptls--on-error buffer id error))
                  :timeout-fn #'ignore))
        (setq gptls--pending id)))))

(defun gptls--on-result (buffer id tick position result)
  "Show RESULT of request ID, asked at TICK and POSITION of BUFFER, unless it went stale."
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (when (eql gptls--pending id)
        (setq gptls--pending nil))
      (setq gptls--last-result result
            gptls--last-result-tick tick)
      (let* ((items (plist-get result :items))
             (item (and (> (length items) 0) (aref items 0)))
             (text (and item (plist-get item :insertText))))
        (when (and text (not (string-empty-p text))
                   (= tick (buffer-chars-modified-tick))
                   (= position (point))
                   (eq buffer (window-buffer (selected-window))))
          (gptls--finish-shown)
          (gptls--show position text)
          (setq gptls--shown 0)
          (gptls--feedback "shown"))))))

(defun gptls--on-error (buffer id error)
  "Note ERROR for request ID of BUFFER; cancellations are expected and quiet."
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (when (eql gptls--pending id)
        (setq gptls--pending nil))
      (let ((code (plist-get error :code)))
        (unless (memq code '(-32800 -32801 -32802))
          (message "gptls: inline completion failed: %s" (plist-get error :message)))))))

(defun gptls--schedule ()
  "Ask for ghost text after `gptls-idle-delay'."
  (when gptls--timer
    (cancel-timer gptls--timer))
  (let ((buffer (current-buffer)))
    (setq gptls--timer
          (run-with-timer gptls-idle-delay nil
                          (lambda ()
                            (when (buffer-live-p buffer)
                              (with-current-buffer buffer
                                (setq gptls--timer nil)
                                (when (eq buffer (window-buffer (selected-window)))
                                  (gptls-request 2)))))))))

(defconst gptls--own-commands
  '(gptls-accept gptls-accept-word gptls-accept-line gptls-dismiss gptls-request)
  "Commands that manage the ghost text themselves.")

(defun gptls--post-command ()
  "After each command: keep ghost text typed into, else clear it; after a change, ask again after a pause."
  (let ((tick (buffer-chars-modified-tick)))
    (unless (memq this-command gptls--own-commands)
      (let ((changed (not (eql tick gptls--tick))))
        (cond
         ;; The user typed the ghost text's next characters: keep the rest.
         ((and changed gptls--ghost
               (> (point) (car gptls--ghost))
               (<= (point) (+ (car gptls--ghost) (length (cdr gptls--ghost))))
               (let ((typed (buffer-substring-no-properties (car gptls--ghost) (point))))
                 (and (string-prefix-p typed (cdr gptls--ghost))
                      (< (length typed) (length (cdr gptls--ghost))))))
          (gptls--cancel)
          (gptls--show (point) (substring (cdr gptls--ghost) (- (point) (car gptls--ghost)))))
         (changed
          (gptls--finish-shown)
          (gptls--clear)
          (gptls--cancel)
          (gptls--schedule))
         ((and gptls--ghost (/= (point) (car gptls--ghost)))
          (gptls--finish-shown)
          (gptls--clear)))))
    (setq gptls--tick (buffer-chars-modified-tick))))

(defun gptls-next-word (text)
  "The part of TEXT that `gptls-accept-word' takes."
  (cond ((string-match "\\`\n[ \t]*" text) (match-string 0 text))
        ((string-match "\\`[ \t]*\\(?:\\sw\\|_\\)+" text) (match-string 0 text))
        ((string-match "\\`[ \t]*[^[:alnum:]_ \t\n]+" text) (match-string 0 text))
        ((string-match "\\`[ \t]+" text) (match-string 0 text))
        (t text)))

(defun gptls-next-line (text)
  "The part of TEXT that `gptls-accept-line' takes."
  (if (string-match "\\`\n[^\n]*" text)
      (match-string 0 text)
    (string-match "\\`[^\n]*" text)
    (match-string 0 text)))

(defun gptls--accept (part)
  "Insert PART of the ghost text (a function of the text, or nil for all of it); keep the rest shown."
  (when gptls--ghost
    (let* ((text (cdr gptls--ghost))
           (taken (if part (funcall part text) text))
           (rest (substring text (length taken))))
      (when gptls--shown
        (setq gptls--shown (+ gptls--shown (length taken)))
        (when (string-empty-p rest)
          (gptls--feedback "accepted" gptls--shown)
          (setq gptls--shown nil)))
      (gptls--cancel)
      (gptls--clear)
      (insert taken)
      (setq gptls--tick (buffer-chars-modified-tick))
      (unless (string-empty-p rest)
        (gptls--show (point) rest)))))

(defun gptls-accept ()
  "Insert all of the ghost text."
  (interactive)
  (gptls--accept nil))

(defun gptls-accept-word ()
  "Insert the next word of the ghost text."
  (interactive)
  (gptls--accept #'gptls-next-word))

(defun gptls-accept-line ()
  "Insert the rest of the ghost text's line."
  (interactive)
  (gptls--accept #'gptls-next-line))

(defun gptls-dismiss ()
  "Remove the ghost text."
  (interactive)
  (gptls--finish-shown)
  (gptls--cancel)
  (gptls--clear))

(defvar gptls-ghost-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "TAB") #'gptls-accept)
    (define-key map (kbd "<tab>") #'gptls-accept)
    (define-key map (kbd "M-f") #'gptls-accept-word)
    (define-key map (kbd "C-e") #'gptls-accept-line)
    (define-key map (kbd "C-g") #'gptls-dismiss)
    map)
  "Keys active while ghost text is shown.")

(define-minor-mode gptls-ghost-mode
  "Active while ghost text is shown: its keys accept or dismiss it."
  :lighter nil
  :keymap gptls-ghost-mode-map)

;;;; Summarise and classify

(defun gptls--range-params (start end)
  "Request params for the text between START and END."
  `(:textDocument ,(eglot--TextDocumentIdentifier)
    :range (:start ,(eglot--pos-to-lsp-position start) :end ,(eglot--pos-to-lsp-position end))))

(defun gptls--require-server ()
  "The server, synced with this buffer, or a `user-error' saying why not."
  (let ((server (or (gptls--server) (and gptls-mode (gptls-start)))))
    (unless server
      (user-error "gptls: the server is not running (enable `gptls-mode'; see *Warnings*)"))
    (eglot--signal-textDocument/didChange)
    server))

(defun gptls-comment-lines (text)
  "TEXT as comment lines of the current mode (one `comment-start' per line)."
  (let ((start (string-trim-right (or comment-start "# ")))
        (end (string-trim (or comment-end ""))))
    (mapconcat (lambda (line)
                 (string-trim-right (concat start " " line (if (string-empty-p end) "" (concat " " end)))))
               (split-string (string-trim text) "\n")
               "\n")))

(defvar gptls-last-summary nil "The latest summary result (a plist).")
(defvar gptls-last-classification nil "The latest classification result (a plist).")

(defun gptls-summarize-region (start end &optional insert)
  "Summarise the region from START to END and show the summary.
With a prefix argument (INSERT non-nil), insert it as a comment above the region.  Returns the summary."
  (interactive "r\nP")
  (let* ((server (gptls--require-server))
         (result (jsonrpc-request server :gptls/summarize (gptls--range-params start end)
                                  :timeout gptls-request-timeout))
         (summary (plist-get result :summary)))
    (setq gptls-last-summary result)
    (with-current-buffer (get-buffer-create "*gptls summary*")
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert summary "\n")))
    (when insert
      (save-excursion
        (goto-char start)
        (let ((indent (current-indentation)))
          (beginning-of-line)
          (insert (mapconcat (lambda (l) (concat (make-string indent ?\s) l))
                             (split-string (gptls-comment-lines summary) "\n") "\n")
                  "\n"))))
    (message "gptls: %s" summary)
    summary))

(defun gptls-format-scores (result)
  "\"label p%, other q%\" of a classification RESULT."
  (mapconcat (lambda (score) (format "%s %.1f%%" (plist-get score :label) (* 100 (plist-get score :probability))))
             (plist-get result :scores) ", "))

(defun gptls-classify-region (start end &optional labels)
  "Classify the region from START to END; show the label and the probabilities.
LABELS (a list of strings; interactively, with a prefix argument, read from the minibuffer) asks for zero-shot
labels.  Returns the result as a plist."
  (interactive (list (region-beginning) (region-end)
                     (and current-prefix-arg (split-string (read-string "Labels (space-separated): ")))))
  (let* ((server (gptls--require-server))
         (params (gptls--range-params start end)))
    (when labels
      (setq params (append params (list :labels (vconcat labels)))))
    (let ((result (jsonrpc-request server :gptls/classify params :timeout gptls-request-timeout)))
      (setq gptls-last-classification result)
      (message "gptls: %s (%s)" (plist-get result :label) (gptls-format-scores result))
      result)))

(defun gptls-status ()
  "Show the server's engine and cache figures."
  (interactive)
  (let ((status (jsonrpc-request (gptls--require-server) :gptls/status nil)))
    (message "gptls: %S" status)
    status))

;;;; The mode

;;;###autoload
(define-minor-mode gptls-mode
  "Ghost text from gptls while typing, and summarise / classify commands.
Starts (or joins) an eglot session with the gptls server for this buffer."
  :lighter " gptls"
  (cond
   (gptls-mode
    (if (not (gptls-start))
        (setq gptls-mode nil)
      (setq gptls--tick (buffer-chars-modified-tick))
      (add-hook 'post-command-hook #'gptls--post-command nil t)))
   (t
    (remove-hook 'post-command-hook #'gptls--post-command t)
    (gptls--finish-shown)
    (gptls--cancel)
    (gptls--clear))))

(provide 'gptls)
;;; gptls.el ends here
